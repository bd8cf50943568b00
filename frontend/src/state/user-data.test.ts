import { describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../api/client';
import { conversation, FakeAuth, FakeServer, json, problem } from '../test/fake-api';
import { ChatStore } from './chat-store';

function result(id: string, title: string, text: string) {
  const { messages: _none, ...summary } = conversation(id, title);
  return { ...summary, snippet: { field: 'message', messageId: 'm1', text, highlights: [{ start: 0, length: 4 }] } };
}

describe('ChatStore search and delete-all', () => {
  it('searches, pages the results, and shows the list again when the query is cleared', async () => {
    const server = new FakeServer()
      .on('GET', /\/api\/conversations\?/, () => json({ items: [conversation('c1', 'One')], nextCursor: null }))
      .on('GET', /\/search\?q=cafe&limit=30$/, () => json({ items: [result('c1', 'One', 'Café near')], nextCursor: 'next' }))
      .on('GET', /\/search\?q=cafe&limit=30&cursor=next$/, () => json({ items: [result('c2', 'Two', 'Cafe far')], nextCursor: null }));
    const store = new ChatStore({ api: new ApiClient('/api', new FakeAuth(), server.fetch), navigate: vi.fn(), onUnauthorized: vi.fn() });
    await store.loadConversations();

    await store.search('cafe');
    await store.searchMore();

    expect(store.state.search?.results.map((r) => r.id)).toEqual(['c1', 'c2']);
    expect(store.state.search?.nextCursor).toBeNull();
    await store.search('  ');
    expect(store.state.search).toBeNull();
    expect(store.state.conversations.map((c) => c.id)).toEqual(['c1']);
  });

  it('clears the list after deleting all, and keeps it when the server refuses', async () => {
    let refuse = true;
    const server = new FakeServer()
      .on('GET', /\/api\/conversations\?/, () => json({ items: [conversation('c1', 'One')], nextCursor: null }))
      .on('GET', /\/api\/conversations\/c1$/, () => json(conversation('c1', 'One', [])))
      .on('DELETE', /\/api\/conversations$/, () => (refuse ? problem(503, 'Storage is unavailable.') : json({ deleted: 1 })));
    const navigate = vi.fn();
    const store = new ChatStore({ api: new ApiClient('/api', new FakeAuth(), server.fetch), navigate, onUnauthorized: vi.fn() });
    await store.loadConversations();
    await store.open('c1');

    expect(await store.deleteAll()).toBe(false);
    expect(store.state.conversations).toHaveLength(1);
    expect(store.state.notice).toContain("Couldn't delete your conversations.");

    refuse = false;
    expect(await store.deleteAll()).toBe(true);
    expect(store.state.conversations).toEqual([]);
    expect(store.state.currentId).toBeNull();
    expect(navigate).toHaveBeenCalledWith('#/');
  });
});
