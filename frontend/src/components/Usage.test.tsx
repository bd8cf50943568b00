import { render, screen, waitFor } from '@testing-library/preact';
import { describe, expect, it, vi } from 'vitest';
import { ApiClient, limitMessage } from '../api/client';
import type { MyUsage } from '../api/types';
import { ChatStore } from '../state/chat-store';
import { conversation, FakeAuth, FakeServer, json } from '../test/fake-api';
import { BudgetNotice, everyDay, UsageChart } from './Usage';

function usage(remaining: number, limit = 1000): MyUsage {
  return {
    limits: { answersAtOnce: 2, messagesPerMinute: 10, conversationsPerDay: 100, tokensPerDay: limit },
    tokensToday: limit - remaining,
    remainingTokensToday: remaining,
    isAdmin: false,
    days: [],
  };
}

function limitProblem(limit: string, limitValue: number, resetsAt: Date) {
  return new Response(
    JSON.stringify({ status: 429, title: 'You have reached a usage limit.', detail: 'server detail in UTC', limit, limitValue, resetsAt: resetsAt.toISOString(), retryAfter: 30 }),
    { status: 429, headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '30' } },
  );
}

describe('usage limits in the web app', () => {
  it('says which limit was reached and when it resets, in local time', () => {
    const at = new Date(Date.now() + 30_000);
    const text = limitMessage({ limit: 'messagesPerMinute', limitValue: 10, resetsAt: at.toISOString() });
    expect(text).toContain('your limit of 10 messages per minute');
    expect(text).toContain(at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
    expect(limitMessage({ limit: 'answersAtOnce', limitValue: 2 })).toContain('2 answers being written');
    expect(limitMessage({ title: 'Something else' })).toBeNull();
  });

  it('keeps the typed text and shows the limit when a send is refused with 429', async () => {
    const server = new FakeServer()
      .on('GET', /\/api\/conversations\?/, () => json({ items: [conversation('c1', 'One')], nextCursor: null }))
      .on('GET', /\/api\/conversations\/c1$/, () => json(conversation('c1', 'One', [])))
      .on('POST', /\/messages$/, () => limitProblem('messagesPerMinute', 10, new Date(Date.now() + 30_000)));
    const store = new ChatStore({ api: new ApiClient('/api', new FakeAuth(), server.fetch), navigate: vi.fn(), onUnauthorized: vi.fn() });
    await store.loadConversations();
    await store.open('c1');

    store.send('my long question');
    await waitFor(() => expect(store.state.error).not.toBeNull());

    expect(store.state.error!.message).toContain('your limit of 10 messages per minute');
    expect(store.state.restoredDraft?.text).toBe('my long question');
  });

  it('shows the remaining daily budget only when it runs low', async () => {
    const server = new FakeServer().on('GET', /\/api\/me\/usage/, () => json(usage(150)));
    const api = new ApiClient('/api', new FakeAuth(), server.fetch);
    const { rerender } = render(<BudgetNotice api={api} answering={0} />);
    await waitFor(() => expect(screen.getByTestId('budget-notice').textContent).toContain("150 of today's 1,000 model tokens left"));

    server.on('GET', /\/api\/me\/usage/, () => json(usage(900)));
    rerender(<BudgetNotice api={api} answering={1} />);
    rerender(<BudgetNotice api={api} answering={0} />);
    await waitFor(() => expect(screen.queryByTestId('budget-notice')).toBeNull());
    expect(server.requests.filter((r) => r.url.includes('/me/usage'))).toHaveLength(2);
  });

  it('draws one bar per day, filling days with no usage', () => {
    const days = everyDay([{ day: '2026-03-10', turns: 1, inputTokens: 40, outputTokens: 60, errors: 0, conversations: 1 }], 30, new Date('2026-03-10T12:00:00Z'));
    expect(days).toHaveLength(30);
    expect(days[0]!.day).toBe('2026-02-09');
    render(<UsageChart days={days} label="tokens" />);
    expect(screen.getAllByTestId('usage-bar')).toHaveLength(30);
    expect(screen.getByRole('img', { name: 'tokens' })).toBeTruthy();
  });
});
