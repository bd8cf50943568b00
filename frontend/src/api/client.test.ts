import { describe, expect, it } from 'vitest';
import { FakeAuth, FakeServer, json, message, problem, sseText } from '../test/fake-api';
import { ApiClient, ApiError, errorFromResponse, isAbortError } from './client';
import type { TurnEvent } from './types';

function setup() {
  const server = new FakeServer();
  const auth = new FakeAuth();
  const api = new ApiClient('/api', auth, server.fetch);
  return { server, auth, api };
}

async function collect(events: AsyncGenerator<TurnEvent>): Promise<TurnEvent[]> {
  const result: TurnEvent[] = [];
  for await (const event of events) {
    result.push(event);
  }
  return result;
}

describe('ApiClient', () => {
  it('sends the identity headers and reads a conversation page', async () => {
    const { server, api } = setup();
    server.on('GET', /\/api\/conversations\?/, () => json({ items: [], nextCursor: 'next' }));

    const page = await api.listConversations('abc', 20);

    expect(page.nextCursor).toBe('next');
    expect(server.requests[0]!.url).toBe('/api/conversations?limit=20&cursor=abc');
    expect(server.requests[0]!.headers['X-ChatBot-User']).toBe('tester');
    expect(server.requests[0]!.headers.Accept).toBe('application/json');
  });

  it('turns ProblemDetails into an ApiError with the server detail', async () => {
    const { server, api } = setup();
    server.on('PATCH', /conversations\/c1$/, () => problem(400, 'Invalid title', 'The title must be at most 200 characters.'));

    const error = await api.renameConversation('c1', 'x').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, title: 'Invalid title', detail: 'The title must be at most 200 characters.' });
    expect((error as ApiError).userMessage).toBe('The title must be at most 200 characters.');
  });

  it('summarises validation errors when there is no detail', async () => {
    const response = json({ title: 'One or more validation errors occurred.', status: 400, errors: { content: ['Content is required.'] } }, 400);
    const error = await errorFromResponse(response);
    expect(error.userMessage).toBe('Content is required.');
  });

  it('falls back to a plain message for errors without a JSON body', async () => {
    const error = await errorFromResponse(new Response('<html>Bad gateway</html>', { status: 502, headers: { 'Content-Type': 'text/html' } }));
    expect(error.status).toBe(502);
    expect(error.userMessage).toBe('The model failed to answer.');
  });

  it('says when to retry after throttling', async () => {
    const error = await errorFromResponse(problem(429, 'Too many requests', 'The model is busy.', { 'Retry-After': '12' }));
    expect(error.retryAfterSeconds).toBe(12);
    expect(error.userMessage).toBe('The model is busy. Try again in 12 s.');
  });

  it('marks a 401 as unauthorized', async () => {
    const { server, api } = setup();
    server.on('GET', /conversations/, () => new Response(null, { status: 401 }));
    const error = (await api.listConversations().catch((e: unknown) => e)) as ApiError;
    expect(error.isUnauthorized).toBe(true);
    expect(error.userMessage).toContain('Sign in again');
  });

  it('reports a network failure as status 0', async () => {
    const api = new ApiClient('/api', new FakeAuth(), () => Promise.reject(new TypeError('Failed to fetch')));
    const error = (await api.getConversation('c1').catch((e: unknown) => e)) as ApiError;
    expect(error.isNetwork).toBe(true);
    expect(error.userMessage).toBe('Check your connection and try again.');
  });

  it('treats a 204 delete as success', async () => {
    const { server, api } = setup();
    server.on('DELETE', /conversations\/c1$/, () => new Response(null, { status: 204 }));
    await expect(api.deleteConversation('c1')).resolves.toBeUndefined();
  });

  it('streams a turn as user, delta and done events', async () => {
    const { server, api } = setup();
    const user = message('u1', 'user', 'hi');
    const done = { ...message('a1', 'assistant', 'Hello!'), usage: { inputTokens: 3, outputTokens: 2 } };
    server.on('POST', /conversations\/c1\/messages$/, () =>
      new Response(sseText([['user', user], ['delta', { text: 'Hel' }], ['delta', { text: 'lo!' }], ['done', done]]), {
        headers: { 'Content-Type': 'text/event-stream; charset=utf-8' },
      }),
    );

    const events = await collect(api.sendMessage('c1', 'hi', 'client-1'));

    expect(events).toEqual([
      { type: 'user', message: user },
      { type: 'delta', text: 'Hel' },
      { type: 'delta', text: 'lo!' },
      { type: 'done', message: done },
    ]);
    const request = server.requests[0]!;
    expect(request.headers.Accept).toBe('text/event-stream');
    expect(request.body).toEqual({ content: 'hi', clientMessageId: 'client-1' });
  });

  it('sends the chosen model with the message and with a regenerate', async () => {
    const { server, api } = setup();
    const stream = () => new Response(sseText([['user', message('u1', 'user', 'hi')], ['done', message('a1', 'assistant', 'ok')]]), {
      headers: { 'Content-Type': 'text/event-stream' },
    });
    server.on('POST', /messages$/, stream);
    server.on('POST', /regenerate$/, stream);

    await collect(api.sendMessage('c1', 'hi', 'client-1', undefined, 'second-model'));
    await collect(api.regenerate('c1', undefined, 'second-model'));

    expect(server.requests[0]!.body).toEqual({ content: 'hi', clientMessageId: 'client-1', model: 'second-model' });
    expect(server.requests[1]!.body).toEqual({ model: 'second-model' });
  });

  it('passes an error event on as ProblemDetails', async () => {
    const { server, api } = setup();
    server.on('POST', /messages$/, () =>
      new Response(sseText([['user', message('u1', 'user', 'hi')], ['delta', { text: 'par' }], ['error', { title: 'Model failed', detail: 'The model stopped responding.', status: 502 }]]), {
        headers: { 'Content-Type': 'text/event-stream' },
      }),
    );
    const events = await collect(api.sendMessage('c1', 'hi', 'id'));
    expect(events.at(-1)).toEqual({ type: 'error', problem: { title: 'Model failed', detail: 'The model stopped responding.', status: 502 } });
  });

  it('fails when the stream ends before done', async () => {
    const { server, api } = setup();
    server.on('POST', /messages$/, () =>
      new Response(sseText([['user', message('u1', 'user', 'hi')], ['delta', { text: 'par' }]]), { headers: { 'Content-Type': 'text/event-stream' } }),
    );
    const events: TurnEvent[] = [];
    const error = await (async () => {
      for await (const event of api.sendMessage('c1', 'hi', 'id')) {
        events.push(event);
      }
    })().catch((e: unknown) => e);
    expect(events).toHaveLength(2);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).isNetwork).toBe(true);
  });

  it('rejects a send that the server refuses, with its ProblemDetails', async () => {
    const { server, api } = setup();
    server.on('POST', /messages$/, () => problem(400, 'Invalid message', 'The message is longer than 16384 bytes.'));
    const error = (await collect(api.sendMessage('c1', 'x', 'id')).catch((e: unknown) => e)) as ApiError;
    expect(error.userMessage).toBe('The message is longer than 16384 bytes.');
  });

  it('accepts a JSON answer (a replayed clientMessageId)', async () => {
    const { server, api } = setup();
    const user = message('u1', 'user', 'hi');
    const assistant = message('a1', 'assistant', 'Hello');
    server.on('POST', /messages$/, () => json({ user, assistant }));
    expect(await collect(api.sendMessage('c1', 'hi', 'id'))).toEqual([
      { type: 'user', message: user },
      { type: 'done', message: assistant },
    ]);
  });

  it('rethrows an abort as AbortError, not as a failure', async () => {
    const { server, api } = setup();
    server.on('POST', /messages$/, () => new Response(sseText([]), { headers: { 'Content-Type': 'text/event-stream' } }));
    const controller = new AbortController();
    controller.abort();
    const error = await collect(api.sendMessage('c1', 'hi', 'id', controller.signal)).catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
  });

  it('regenerates on the server: one POST to the regenerate route, no question sent again', async () => {
    const { server, api } = setup();
    server.on('POST', /regenerate$/, () =>
      new Response(sseText([['user', { ...message('u1', 'user', 'q') }], ['delta', { text: 'again' }], ['done', message('a2', 'assistant', 'again')]]), {
        headers: { 'Content-Type': 'text/event-stream' },
      }),
    );
    const events = await collect(api.regenerate('c1'));
    expect(events.map((e) => e.type)).toEqual(['user', 'delta', 'done']);
    expect(server.requests.map((r) => r.url)).toEqual(['/api/conversations/c1/regenerate']);
    expect(server.requests[0]!.body).toBeUndefined();
  });
});
