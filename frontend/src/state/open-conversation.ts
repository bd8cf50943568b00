import { ApiError } from '../api/client';
import type { ConversationSummary } from '../api/types';
import { messageOf, type StoreContext } from './chat-state';
import { draftKey } from './drafts';

/** The conversation on the page: which one it is, its title, and its stored messages. */
export class OpenConversation {
  private _seq = 0;

  constructor(private readonly _ctx: StoreContext) {}

  /** Opens a conversation, or the empty new-chat page for null. */
  async open(id: string | null): Promise<void> {
    const ctx = this._ctx;
    if (id === ctx.state.currentId && ctx.state.current !== 'error') {
      return;
    }
    const seq = ++this._seq;
    const error = ctx.state.error && ctx.state.error.key === draftKey(id) ? ctx.state.error : null;
    if (id === null) {
      ctx.set({ currentId: null, current: 'ready', currentError: null, currentTitle: null, messages: [], error, currentInstructions: null });
      return;
    }

    const summary = ctx.state.conversations.find((c) => c.id === id);
    ctx.set({ currentId: id, current: 'loading', currentError: null, currentTitle: summary?.title ?? null, messages: [], error });
    try {
      const conversation = await ctx.options.api.getConversation(id);
      if (seq !== this._seq) {
        return;
      }
      ctx.set({
        current: 'ready',
        currentTitle: conversation.title,
        currentModel: conversation.model ?? null,
        currentInstructions: conversation.instructions ?? null,
        messages: conversation.messages.map((m) => ({ ...m })),
      });
    } catch (error) {
      if (seq !== this._seq || ctx.handleUnauthorized(error)) {
        return;
      }
      if (error instanceof ApiError && error.status === 404) {
        ctx.set({ current: 'missing', currentError: 'This conversation does not exist, or it belongs to someone else.' });
      } else {
        ctx.set({ current: 'error', currentError: messageOf(error) });
      }
    }
  }

  /** Loads the open conversation again after an error. */
  reload(): void {
    const id = this._ctx.state.currentId;
    this._ctx.set({ current: 'error' });
    void this.open(id);
  }

  /** Shows a conversation this tab just created, without loading it: there is nothing to load yet. */
  showCreated(created: ConversationSummary): void {
    ++this._seq;
    this._ctx.set({
      currentId: created.id,
      current: 'ready',
      currentError: null,
      currentTitle: created.title,
      messages: [],
      currentInstructions: created.instructions ?? null,
      currentModel: created.model ?? this._ctx.state.currentModel,
    });
    this._ctx.options.navigate(`#/c/${encodeURIComponent(created.id)}`);
  }

  /** Shows the new-chat page in place of the open conversation. */
  close(): void {
    ++this._seq;
    this._ctx.set({ currentId: null, current: 'ready', currentError: null, currentTitle: null, messages: [], error: null });
    this._ctx.options.navigate('#/');
  }

  /** Forgets a conversation being loaded: its answer is dropped. */
  invalidate(): void {
    ++this._seq;
  }
}
