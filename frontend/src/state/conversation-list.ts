import type { ConversationSummary } from '../api/types';
import { messageOf, type StoreContext } from './chat-state';

/** The sidebar's list of conversations: newest activity first, read a page at a time. */
export class ConversationList {
  private _seq = 0;
  /** Conversations this tab created while the first page was loading: that page was read before they existed. */
  private _createdDuringLoad = new Set<string>();

  constructor(private readonly _ctx: StoreContext) {}

  async load(): Promise<void> {
    const ctx = this._ctx;
    const seq = ++this._seq;
    this._createdDuringLoad = new Set();
    ctx.set({ list: 'loading', listError: null });
    try {
      const page = await ctx.options.api.listConversations(null, this._pageSize);
      if (seq !== this._seq) {
        return;
      }
      const listed = new Set(page.items.map((c) => c.id));
      const createdMeanwhile = ctx.state.conversations.filter((c) => this._createdDuringLoad.has(c.id) && !listed.has(c.id));
      ctx.set({ conversations: [...createdMeanwhile, ...page.items], nextCursor: page.nextCursor, list: 'ready' });
    } catch (error) {
      if (seq === this._seq) {
        // After a 401 the list says why (the server's detail) instead of loading forever; sign-in may follow.
        ctx.handleUnauthorized(error);
        ctx.set({ list: 'error', listError: messageOf(error) });
      }
    }
  }

  async loadMore(): Promise<void> {
    const ctx = this._ctx;
    const cursor = ctx.state.nextCursor;
    if (!cursor || ctx.state.list !== 'ready') {
      return;
    }
    const seq = this._seq;
    ctx.set({ list: 'loading-more', listError: null });
    try {
      const page = await ctx.options.api.listConversations(cursor, this._pageSize);
      if (seq !== this._seq) {
        return;
      }
      const known = new Set(ctx.state.conversations.map((c) => c.id));
      ctx.set({
        conversations: [...ctx.state.conversations, ...page.items.filter((c) => !known.has(c.id))],
        nextCursor: page.nextCursor,
        list: 'ready',
      });
    } catch (error) {
      if (seq === this._seq && !ctx.handleUnauthorized(error)) {
        ctx.set({ list: 'ready', notice: `Couldn't load more conversations. ${messageOf(error)}` });
      }
    }
  }

  /**
   * Re-reads the first page quietly and keeps the pages already loaded below it: after a turn that ended without its
   * `done` event (stopped or failed), the only way to learn the title the server stored.
   */
  async refreshFirstPage(): Promise<void> {
    const ctx = this._ctx;
    const seq = this._seq;
    try {
      const page = await ctx.options.api.listConversations(null, this._pageSize);
      if (seq !== this._seq) {
        return;
      }
      const fresh = new Set(page.items.map((c) => c.id));
      const older = ctx.state.conversations.filter((c) => !fresh.has(c.id));
      const title = ctx.state.currentId ? page.items.find((c) => c.id === ctx.state.currentId)?.title : undefined;
      ctx.set({
        conversations: [...page.items, ...older],
        nextCursor: ctx.state.nextCursor ?? page.nextCursor,
        ...(title ? { currentTitle: title } : {}),
      });
    } catch {
      // The list shown is still right, only its titles may lag.
    }
  }

  /** Puts a conversation this tab just created at the top. */
  addCreated(created: ConversationSummary): void {
    const ctx = this._ctx;
    if (ctx.state.list === 'loading') {
      this._createdDuringLoad.add(created.id);
    }
    ctx.set({ conversations: [created, ...ctx.state.conversations.filter((c) => c.id !== created.id)] });
  }

  /** Forgets pages being read: their answers are dropped. */
  invalidate(): void {
    ++this._seq;
  }

  private get _pageSize(): number {
    return this._ctx.options.pageSize ?? 30;
  }
}
