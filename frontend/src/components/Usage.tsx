import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import { ApiError } from '../api/client';
import type { AdminUsage, MyUsage, UsageDay } from '../api/types';

/** The budget notice appears once less than this share of the day's tokens is left. */
export const LowBudgetShare = 0.2;

const fmt = (n: number) => n.toLocaleString();

/**
 * Tokens per day as stacked bars (input below, output above), drawn by hand: a chart library would cost more of the web
 * app's size budget than the whole page. Every day of the range has a bar slot, so gaps show as gaps.
 */
export function UsageChart({ days, label }: { days: UsageDay[]; label: string }) {
  const width = 600;
  const height = 160;
  const top = 10;
  const bottom = 20;
  const max = Math.max(1, ...days.map((d) => d.inputTokens + d.outputTokens));
  const slot = width / Math.max(1, days.length);
  const scale = (tokens: number) => (tokens / max) * (height - top - bottom);
  return (
    <figure class="usage-chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label} data-testid="usage-chart">
        <line x1={0} x2={width} y1={height - bottom} y2={height - bottom} class="axis" />
        <text x={0} y={top} class="chart-label">
          {fmt(max)} tokens
        </text>
        {days.map((d, i) => {
          const input = scale(d.inputTokens);
          const output = scale(d.outputTokens);
          const x = i * slot + slot * 0.15;
          const w = slot * 0.7;
          return (
            <g key={d.day} data-testid="usage-bar">
              <title>{`${d.day}: ${fmt(d.inputTokens)} input, ${fmt(d.outputTokens)} output tokens, ${d.turns} turns`}</title>
              <rect x={x} y={height - bottom - input} width={w} height={input} class="bar-input" />
              <rect x={x} y={height - bottom - input - output} width={w} height={output} class="bar-output" />
            </g>
          );
        })}
        <text x={0} y={height - 4} class="chart-label">
          {days[0]?.day ?? ''}
        </text>
        <text x={width} y={height - 4} class="chart-label" text-anchor="end">
          {days[days.length - 1]?.day ?? ''}
        </text>
      </svg>
      <figcaption class="muted">
        <span class="swatch bar-input" /> input <span class="swatch bar-output" /> output tokens per day (UTC)
      </figcaption>
    </figure>
  );
}

/** Loads once per mount; the error is the API's own words. */
function useLoad<T>(load: () => Promise<T>): { data: T | null; error: string | null } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    load().then(setData, (e: unknown) => setError(e instanceof ApiError ? e.userMessage : 'Could not load usage.'));
  }, []);
  return { data, error };
}

/** Fills the days the server has no record of (nothing used), so the chart has the whole range. */
export function everyDay(days: UsageDay[], count: number, today = new Date()): UsageDay[] {
  const byDay = new Map(days.map((d) => [d.day, d]));
  return Array.from({ length: count }, (_, i) => {
    const date = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - (count - 1 - i)));
    const day = date.toISOString().slice(0, 10);
    return byDay.get(day) ?? { day, turns: 0, inputTokens: 0, outputTokens: 0, errors: 0, conversations: 0 };
  });
}

export function AccountPage({ api, onBack }: { api: ApiClient; onBack: () => void }) {
  const { data, error } = useLoad<MyUsage>(() => api.myUsage(30));
  return (
    <main class="chat page" id="main" data-testid="account-page">
      <header class="chat-header">
        <button type="button" class="button secondary small" onClick={onBack}>
          Back to chat
        </button>
        <h1 class="chat-title">Your usage</h1>
      </header>
      <div class="page-body">
        {error ? <p role="alert">{error}</p> : null}
        {data ? (
          <>
            <p data-testid="tokens-today">
              Today: {fmt(data.tokensToday)} of {fmt(data.limits.tokensPerDay)} model tokens used, {fmt(data.remainingTokensToday)} left.
            </p>
            <UsageChart days={everyDay(data.days, 30)} label="Your model tokens per day, last 30 days" />
            <h2>Your limits</h2>
            <ul data-testid="my-limits">
              <li>{data.limits.answersAtOnce} answers being written at once</li>
              <li>{data.limits.messagesPerMinute} messages per minute</li>
              <li>{data.limits.conversationsPerDay} new conversations per day</li>
              <li>{fmt(data.limits.tokensPerDay)} model tokens per day (days are UTC)</li>
            </ul>
            {data.isAdmin ? (
              <p>
                <a href="#/admin" data-testid="admin-link">
                  Everyone's usage (admin)
                </a>
              </p>
            ) : null}
          </>
        ) : error ? null : (
          <p class="muted">Loading…</p>
        )}
      </div>
    </main>
  );
}

export function AdminPage({ api, onBack }: { api: ApiClient; onBack: () => void }) {
  const { data, error } = useLoad<AdminUsage>(() => api.adminUsage(30));
  return (
    <main class="chat page" id="main" data-testid="admin-page">
      <header class="chat-header">
        <button type="button" class="button secondary small" onClick={onBack}>
          Back to chat
        </button>
        <h1 class="chat-title">Usage, last 30 days</h1>
      </header>
      <div class="page-body">
        {error ? <p role="alert">{error}</p> : null}
        {data ? (
          <>
            <UsageChart days={data.daily} label="Everyone's model tokens per day, last 30 days" />
            <h2>By model</h2>
            <table class="usage-table" data-testid="model-table">
              <thead>
                <tr>
                  <th>Model</th>
                  <th>Input tokens</th>
                  <th>Output tokens</th>
                  <th>Estimated cost</th>
                </tr>
              </thead>
              <tbody>
                {data.models.map((m) => (
                  <tr key={m.model}>
                    <td>{m.model}</td>
                    <td>{fmt(m.inputTokens)}</td>
                    <td>{fmt(m.outputTokens)}</td>
                    <td>{m.estimatedCostUsd === null ? 'no price set' : `$${m.estimatedCostUsd.toFixed(2)}`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <h2>By user and day</h2>
            <table class="usage-table" data-testid="user-table">
              <thead>
                <tr>
                  <th>Day</th>
                  <th>User</th>
                  <th>Turns</th>
                  <th>Input</th>
                  <th>Output</th>
                  <th>Models</th>
                  <th>Errors</th>
                </tr>
              </thead>
              <tbody>
                {[...data.users].reverse().map((u) => (
                  <tr key={`${u.day}/${u.userId}`}>
                    <td>{u.day}</td>
                    <td>{u.userId}</td>
                    <td>{u.turns}</td>
                    <td>{fmt(u.inputTokens)}</td>
                    <td>{fmt(u.outputTokens)}</td>
                    <td>{u.models.join(', ')}</td>
                    <td>{u.errors}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        ) : error ? null : (
          <p class="muted">Loading…</p>
        )}
      </div>
    </main>
  );
}

/**
 * Today's remaining tokens, shown above the message box once they run low. Read when the page opens and again whenever
 * an answer ends (`answering` goes down), which costs one read of the user's usage per answer.
 */
export function BudgetNotice({ api, answering }: { api: ApiClient; answering: number }) {
  const [usage, setUsage] = useState<MyUsage | null>(null);
  const previous = useRef<number | null>(null);
  useEffect(() => {
    if (previous.current === null || answering < previous.current) {
      api.myUsage(1).then(setUsage, () => setUsage(null));
    }
    previous.current = answering;
  }, [api, answering]);
  if (!usage || usage.remainingTokensToday > usage.limits.tokensPerDay * LowBudgetShare) {
    return null;
  }
  return (
    <p class="budget-notice" role="status" data-testid="budget-notice">
      {usage.remainingTokensToday === 0
        ? `You have used today's ${fmt(usage.limits.tokensPerDay)} model tokens. Your budget resets at midnight UTC.`
        : `${fmt(usage.remainingTokensToday)} of today's ${fmt(usage.limits.tokensPerDay)} model tokens left.`}
    </p>
  );
}
