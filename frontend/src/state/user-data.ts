import type { ExportFormat } from '../api/types';
import { messageOf, type StoreContext } from './chat-state';
import type { ConversationList } from './conversation-list';
import type { OpenConversation } from './open-conversation';
import type { TurnRunner } from './turn-runner';

/** What a user does with all of their conversations at once: search them, download them, delete them. */
export class UserData {
  private _searchSeq = 0;

  constructor(
    private readonly _ctx: StoreContext,
    private readonly _list: ConversationList,
    private readonly _open: OpenConversation,
    private readonly _turns: TurnRunner,
  ) {}

  /** Drops answers to searches still on their way (the user changed). */
  invalidate(): void {
    ++this._searchSeq;
  }

  /** Searches for `query`; a blank query ends the search and shows the list again. */
  async search(query: string): Promise<void> {
    const ctx = this._ctx;
    const seq = ++this._searchSeq;
    if (!query.trim()) {
      ctx.set({ search: null });
      return;
    }
    ctx.set({ search: { query, results: [], nextCursor: null, status: 'loading', error: null } });
    try {
      const page = await ctx.options.api.searchConversations(query.trim());
      if (seq === this._searchSeq) {
        ctx.set({ search: { query, results: page.items, nextCursor: page.nextCursor, status: 'ready', error: null } });
      }
    } catch (error) {
      if (seq === this._searchSeq && !ctx.handleUnauthorized(error)) {
        ctx.set({ search: { query, results: [], nextCursor: null, status: 'error', error: messageOf(error) } });
      }
    }
  }

  async searchMore(): Promise<void> {
    const ctx = this._ctx;
    const search = ctx.state.search;
    if (!search?.nextCursor || search.status !== 'ready') {
      return;
    }
    const seq = this._searchSeq;
    ctx.set({ search: { ...search, status: 'loading-more' } });
    try {
      const page = await ctx.options.api.searchConversations(search.query.trim(), search.nextCursor);
      if (seq === this._searchSeq) {
        const known = new Set(search.results.map((r) => r.id));
        ctx.set({
          search: { ...search, results: [...search.results, ...page.items.filter((r) => !known.has(r.id))], nextCursor: page.nextCursor, status: 'ready' },
        });
      }
    } catch (error) {
      if (seq === this._searchSeq && !ctx.handleUnauthorized(error)) {
        ctx.set({ search: { ...search, status: 'ready' }, notice: `Couldn't search further. ${messageOf(error)}` });
      }
    }
  }

  /** Downloads one conversation (Markdown or JSON), or every conversation (id null) as one JSON archive. */
  async download(id: string | null, format: ExportFormat): Promise<void> {
    const ctx = this._ctx;
    try {
      const { blob, fileName } = await ctx.options.api.exportConversations(id, format);
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = fileName;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      if (!ctx.handleUnauthorized(error)) {
        ctx.set({ notice: `Couldn't download. ${messageOf(error)}` });
      }
    }
  }

  /** Deletes every conversation; on failure nothing on the page changes and the server finishes the job on a retry. */
  async deleteAll(): Promise<boolean> {
    const ctx = this._ctx;
    this._turns.stopAll();
    try {
      const { deleted } = await ctx.options.api.deleteAllConversations();
      ++this._searchSeq;
      this._list.invalidate();
      ctx.set({ conversations: [], nextCursor: null, list: 'ready', search: null, notice: `Deleted ${deleted} conversation${deleted === 1 ? '' : 's'}.` });
      if (ctx.state.currentId !== null) {
        this._open.close();
      }
      return true;
    } catch (error) {
      if (!ctx.handleUnauthorized(error)) {
        ctx.set({ notice: `Couldn't delete your conversations. ${messageOf(error)} Try again: it finishes what was started.` });
      }
      return false;
    }
  }
}
