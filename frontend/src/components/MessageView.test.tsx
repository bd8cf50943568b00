import { cleanup, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import type { UiMessage } from '../state/chat-store';
import { MessageView } from './MessageView';

const base = { createdAt: '2025-01-01T00:00:00Z' };

afterEach(cleanup);

describe('MessageView', () => {
  it('shows a user message as plain text, never as Markdown or HTML', () => {
    render(<MessageView message={{ ...base, id: 'u', role: 'user', content: '**hi** <img src=x onerror=alert(1)>', status: 'complete' }} />);
    const bubble = screen.getByTestId('user-message');
    expect(bubble.textContent).toContain('**hi** <img src=x onerror=alert(1)>');
    expect(bubble.querySelector('img, strong')).toBeNull();
  });

  it('renders an answer as Markdown with its status', () => {
    render(<MessageView message={{ ...base, id: 'a', role: 'assistant', content: 'Use `npm test`', status: 'complete' }} />);
    const answer = screen.getByTestId('assistant-message');
    expect(answer.dataset.status).toBe('complete');
    expect(answer.querySelector('code')?.textContent).toBe('npm test');
    expect(screen.getByRole('button', { name: 'Copy' })).toBeTruthy();
    expect(screen.queryByTestId('message-flag')).toBeNull();
  });

  it.each([
    ['stopped', 'Stopped'],
    ['failed', 'Failed: The model stopped responding.'],
  ] as const)('marks a %s answer visibly', (status, flag) => {
    const message: UiMessage = { ...base, id: 'a', role: 'assistant', content: 'Partial', status, note: 'The model stopped responding.' };
    render(<MessageView message={message} />);
    expect(screen.getByTestId('assistant-message').dataset.status).toBe(status);
    expect(screen.getByTestId('message-flag').textContent).toBe(flag);
  });

  it('announces a streaming answer politely and shows no actions until it ends', () => {
    render(<MessageView message={{ ...base, id: 'a', role: 'assistant', content: '', status: 'streaming' }} onRegenerate={() => undefined} />);
    const answer = screen.getByTestId('assistant-message');
    const live = answer.querySelector('[aria-live="polite"]');
    expect(live?.getAttribute('aria-busy')).toBe('true');
    expect(screen.getByRole('img', { name: 'ChatBot is thinking' })).toBeTruthy();
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('neutralises an XSS payload in an answer', () => {
    const payload = 'Hi <script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 1"> [link](javascript:window.__pwned=1)';
    render(<MessageView message={{ ...base, id: 'a', role: 'assistant', content: payload, status: 'complete' }} />);
    const answer = screen.getByTestId('assistant-message');
    expect(answer.querySelector('script, img')).toBeNull();
    const handlers = Array.from(answer.querySelectorAll('*')).flatMap((el) => Array.from(el.attributes).filter((a) => a.name.startsWith('on')));
    expect(handlers).toEqual([]);
    // Shown as text, for the reader to see what the model wrote.
    expect(answer.textContent).toContain('<img src=x onerror=');
    expect(answer.querySelector('a')?.hasAttribute('href')).toBe(false);
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
  });
});
