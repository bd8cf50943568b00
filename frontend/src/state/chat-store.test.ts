import { describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../api/client';
import { ControlledStream, conversation, FakeAuth, FakeServer, json, message, problem } from '../test/fake-api';
import { ChatStore } from './chat-store';

function setup() {
  const server = new FakeServer();
  const streams: ControlledStream[] = [];
  server
    .on('GET', /\/api\/conversations\?/, () => json({ items: [conversation('c1', 'One'), conversation('c2', 'Two')], nextCursor: null }))
    .on('GET', /\/api\/conversations\/c1$/, () => json(conversation('c1', 'One', [message('u1', 'user', 'Question')])))
    .on('GET', /\/api\/conversations\/c2$/, () => json(conversation('c2', 'Two', [])))
    .on('DELETE', /\/api\/conversations\/c1$/, () => new Response(null, { status: 204 }))
    .on('POST', /\/messages$/, (request) => {
      const stream = new ControlledStream(request.signal);
      streams.push(stream);
      return stream.response;
    });
  const navigate = vi.fn();
  const store = new ChatStore({ api: new ApiClient('/api', new FakeAuth(), server.fetch), navigate, onUnauthorized: vi.fn() });
  return { store, server, streams, navigate };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 80));

describe('ChatStore', () => {
  it('sends again by itself while the conversation is still storing a stopped answer (409), with the same clientMessageId', async () => {
    const server = new FakeServer();
    const bodies: unknown[] = [];
    let busy = 2;
    server
      .on('GET', /\/api\/conversations\?/, () => json({ items: [conversation('c1', 'One')], nextCursor: null }))
      .on('GET', /\/api\/conversations\/c1$/, () => json(conversation('c1', 'One', [])))
      .on('POST', /\/messages$/, (request) => {
        bodies.push(request.body);
        if (busy-- > 0) {
          return problem(409, 'An answer is still being written.', 'Wait for it to finish, or stop it, then send again.');
        }
        return json({ user: message('u1', 'user', 'Next'), assistant: message('a1', 'assistant', 'Sure') });
      });
    const store = new ChatStore({ api: new ApiClient('/api', new FakeAuth(), server.fetch), navigate: vi.fn(), onUnauthorized: vi.fn() });
    await store.loadConversations();
    await store.open('c1');

    store.send('Next');
    await new Promise((resolve) => setTimeout(resolve, 900));

    expect(bodies).toHaveLength(3);
    expect(new Set(bodies.map((b) => (b as { clientMessageId: string }).clientMessageId)).size).toBe(1);
    expect(store.state.error).toBeNull();
    expect(store.visibleMessages().map((m) => m.content)).toEqual(['Next', 'Sure']);
  });

  it('keeps an answer streaming while another conversation is open, and shows it again on return', async () => {
    const { store, streams } = setup();
    await store.loadConversations();
    await store.open('c1');
    store.send('Second question');
    await settle();
    streams[0]!.send('user', message('u2', 'user', 'Second question'));
    streams[0]!.send('delta', { text: 'Partial' });
    await settle();

    await store.open('c2');
    expect(store.visibleMessages()).toEqual([]);
    expect(store.isStreaming()).toBe(false);
    streams[0]!.send('delta', { text: ' answer' });
    await settle();

    await store.open('c1');
    const visible = store.visibleMessages();
    expect(visible.map((m) => m.content)).toEqual(['Question', 'Second question', 'Partial answer']);
    expect(visible.at(-1)!.status).toBe('streaming');
    expect(store.isStreaming()).toBe(true);
  });

  it('does not bring back a conversation deleted while it was answering', async () => {
    const { store, streams, navigate } = setup();
    await store.loadConversations();
    await store.open('c1');
    store.send('Question');
    await settle();
    streams[0]!.send('user', message('u2', 'user', 'Question'));
    await settle();

    await store.remove('c1');
    await settle();

    expect(store.state.conversations.map((c) => c.id)).toEqual(['c2']);
    expect(store.state.turns).toEqual({});
    expect(navigate).toHaveBeenCalledWith('#/');
  });

  it('moves a conversation to the top of the list when it gets an answer', async () => {
    const { store, streams } = setup();
    await store.loadConversations();
    await store.open('c2');
    store.send('Hi');
    await settle();
    streams[0]!.send('user', message('u9', 'user', 'Hi'));
    streams[0]!.send('done', message('a9', 'assistant', 'Hello'));
    await settle();
    expect(store.state.conversations.map((c) => c.id)).toEqual(['c2', 'c1']);
  });

  it('keeps a conversation created while the list was still loading', async () => {
    const { store, server, streams } = setup();
    let answerList: (response: Response) => void = () => undefined;
    server.on('GET', /\/api\/conversations\?/, () => new Promise<Response>((resolve) => (answerList = resolve)));
    server.on('POST', /\/api\/conversations$/, () => json(conversation('c3', null), 201));
    const loading = store.loadConversations();

    store.send('Sent before the list arrived');
    await settle();
    streams[0]!.send('user', message('u3', 'user', 'Sent before the list arrived'));
    answerList(json({ items: [conversation('c1', 'One'), conversation('c2', 'Two')], nextCursor: null }));
    await loading;

    expect(store.state.conversations.map((c) => c.id)).toEqual(['c3', 'c1', 'c2']);
  });

  it("takes the conversation's title from the done event, without listing conversations again", async () => {
    const { store, server, streams } = setup();
    server.on('POST', /\/api\/conversations$/, () => json(conversation('c3', null), 201));
    await store.loadConversations();
    const lists = server.requests.filter((r) => r.method === 'GET' && r.url.includes('/api/conversations?')).length;

    store.send('What is the tallest lighthouse?');
    await settle();
    expect(store.state.conversations[0]).toMatchObject({ id: 'c3', title: null });
    streams[0]!.send('user', message('u1', 'user', 'What is the tallest lighthouse?'));
    const { messages: _none, ...summary } = conversation('c3', 'Tallest lighthouse (server)');
    streams[0]!.send('done', { ...message('a1', 'assistant', 'Jeddah Light.'), conversation: summary });
    await settle();

    expect(store.state.conversations[0]).toMatchObject({ id: 'c3', title: 'Tallest lighthouse (server)' });
    expect(store.state.currentTitle).toBe('Tallest lighthouse (server)');
    expect(server.requests.filter((r) => r.method === 'GET' && r.url.includes('/api/conversations?'))).toHaveLength(lists);
  });
});
