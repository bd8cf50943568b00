import { ApiError } from '../api/client';
import { DefaultMaxMessageBytes } from '../config';
import { initialState, messageOf, StoreContext, type ChatState, type ChatStoreOptions, type UiMessage } from './chat-state';
import { ConversationList } from './conversation-list';
import { saveDraft } from './drafts';
import { StateCell } from './frames';
import { OpenConversation } from './open-conversation';
import { TurnRunner } from './turn-runner';
import { UserData } from './user-data';
import type { ExportFormat } from '../api/types';

export type { ChatState, ChatStoreOptions, SearchState, Turn, TurnError, UiMessage, UiStatus } from './chat-state';

/**
 * The chat's state and use cases, kept out of the components so they can be tested without a DOM. Components subscribe
 * and call methods; every change produces a new state object. The work is done by three parts sharing one state: the
 * conversation list (paging), the open conversation, and the turn runner; this class is their one front door, and
 * coordinates what spans them (rename, delete, starting over).
 */
export class ChatStore {
  private readonly _cell = new StateCell<ChatState>(initialState);
  private readonly _ctx: StoreContext;
  private readonly _list: ConversationList;
  private readonly _open: OpenConversation;
  private readonly _turns: TurnRunner;
  private readonly _userData: UserData;

  constructor(private readonly _options: ChatStoreOptions) {
    this._ctx = new StoreContext(this._cell, _options);
    this._list = new ConversationList(this._ctx);
    this._open = new OpenConversation(this._ctx);
    this._turns = new TurnRunner(this._ctx, this._list, this._open);
    this._userData = new UserData(this._ctx, this._list, this._open, this._turns);
  }

  get state(): ChatState {
    return this._cell.state;
  }

  /** The API, for views outside the chat (account and admin pages). */
  get api(): ChatStoreOptions['api'] {
    return this._options.api;
  }

  get maxMessageBytes(): number {
    return this._options.maxMessageBytes ?? DefaultMaxMessageBytes;
  }

  subscribe(listener: () => void): () => void {
    return this._cell.subscribe(listener);
  }

  /** The messages to show for the open conversation, including a streaming turn. */
  visibleMessages(state: ChatState = this.state): UiMessage[] {
    const turn = state.currentId ? state.turns[state.currentId] : undefined;
    if (!turn) {
      return state.messages;
    }
    // Reopened mid-answer, the stored question is already in the loaded messages.
    const stored = state.messages.filter((m) => m.id !== turn.user.id);
    return [...stored, turn.user, turn.assistant];
  }

  isStreaming(state: ChatState = this.state): boolean {
    return state.currentId !== null && state.turns[state.currentId] !== undefined;
  }

  // ---- Conversation list ----

  loadConversations(): Promise<void> {
    return this._list.load();
  }

  loadMore(): Promise<void> {
    return this._list.loadMore();
  }

  // ---- The open conversation ----

  /** Opens a conversation, or the empty new-chat page for null. */
  open(id: string | null): Promise<void> {
    return this._open.open(id);
  }

  /** Loads the open conversation again after an error. */
  reloadCurrent(): void {
    this._open.reload();
  }

  // ---- Turns ----

  /** Sends a message in the open conversation, creating the conversation first on the new-chat page. */
  send(content: string): void {
    this._turns.send(content);
  }

  /** A new answer to the last question, replacing the last answer (see {@link ApiClient.regenerate}). */
  regenerate(): void {
    this._turns.regenerate();
  }

  /** Stops the open conversation's answer. The server keeps what was written as `stopped`. */
  stop(): void {
    const id = this.state.currentId;
    if (id) {
      this._turns.stop(id);
    }
  }

  dismissError(): void {
    this._ctx.set({ error: null });
  }

  showNotice(message: string): void {
    this._ctx.set({ notice: message });
  }

  dismissNotice(): void {
    this._ctx.set({ notice: null });
  }

  // ---- Conversation management ----

  async rename(id: string, title: string): Promise<boolean> {
    const ctx = this._ctx;
    const trimmed = title.trim();
    const summary = ctx.state.conversations.find((c) => c.id === id);
    if (!trimmed || trimmed === summary?.title) {
      return true;
    }
    try {
      const renamed = await this._options.api.renameConversation(id, trimmed);
      ctx.set({
        conversations: ctx.state.conversations.map((c) => (c.id === id ? { ...c, ...renamed, title: renamed.title ?? trimmed } : c)),
        ...(ctx.state.currentId === id ? { currentTitle: renamed.title ?? trimmed } : {}),
      });
      return true;
    } catch (error) {
      if (!ctx.handleUnauthorized(error)) {
        ctx.set({ notice: `Couldn't rename the conversation. ${messageOf(error)}` });
      }
      return false;
    }
  }

  async remove(id: string): Promise<boolean> {
    const ctx = this._ctx;
    this._turns.stop(id);
    try {
      await this._options.api.deleteConversation(id);
    } catch (error) {
      // Already gone is what the user wanted.
      if (!(error instanceof ApiError && error.status === 404)) {
        if (!ctx.handleUnauthorized(error)) {
          ctx.set({ notice: `Couldn't delete the conversation. ${messageOf(error)}` });
        }
        return false;
      }
    }
    ctx.set({ conversations: ctx.state.conversations.filter((c) => c.id !== id) });
    saveDraft(id, '');
    if (ctx.state.currentId === id) {
      this._open.close();
    }
    return true;
  }

  // ---- Search, download and delete-all ----

  search(query: string): Promise<void> {
    return this._userData.search(query);
  }

  searchMore(): Promise<void> {
    return this._userData.searchMore();
  }

  download(id: string | null, format: ExportFormat): Promise<void> {
    return this._userData.download(id, format);
  }

  deleteAll(): Promise<boolean> {
    return this._userData.deleteAll();
  }

  /** Forgets everything (the local development user changed) and starts over. */
  reset(): void {
    this._turns.stopAll();
    this._open.invalidate();
    this._list.invalidate();
    this._userData.invalidate();
    this._cell.replace({ ...initialState });
    this._options.navigate('#/');
    void this.loadConversations();
  }
}
