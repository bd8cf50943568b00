import { ApiError, isAbortError, newClientMessageId, problemMessage, type ApiClient } from '../api/client';
import type { ConversationSummary, Message, MessageStatus, TurnEvent } from '../api/types';
import { DefaultMaxMessageBytes } from '../config';
import { draftKey, saveDraft } from './drafts';
import { titleFromFirstMessage } from './titles';

/** `pending`: sent, not yet confirmed stored. `streaming`: the answer is arriving. */
export type UiStatus = MessageStatus | 'pending' | 'streaming';

export interface UiMessage {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  createdAt: string;
  status: UiStatus;
  /** Why an answer failed, shown under it. */
  note?: string;
}

/** A question and its answer while the answer streams, one per conversation at most. */
export interface Turn {
  conversationId: string;
  /** The title shown is the client's guess until the list is read again. */
  localTitle?: boolean;
  user: UiMessage;
  assistant: UiMessage;
}

export interface TurnError {
  /** The conversation (or "new") the error belongs to; it shows only there. */
  key: string;
  message: string;
  retry: () => void;
}

export interface ChatState {
  conversations: ConversationSummary[];
  nextCursor: string | null;
  list: 'loading' | 'ready' | 'error' | 'loading-more';
  listError: string | null;
  currentId: string | null;
  current: 'ready' | 'loading' | 'error' | 'missing';
  currentError: string | null;
  currentTitle: string | null;
  /** The open conversation's stored messages, plus turns finished since it was loaded. */
  messages: UiMessage[];
  turns: Record<string, Turn>;
  error: TurnError | null;
  /** A one-off notice for actions outside a turn (rename, delete). */
  notice: string | null;
  /** Text of a send that failed before the server stored it, handed back to the composer. */
  restoredDraft: { key: string; text: string; seq: number } | null;
  /** Read out by the polite status region: answer started, finished, stopped. */
  announcement: string;
}

export interface ChatStoreOptions {
  api: ApiClient;
  /** Changes the location hash; the app's router then calls {@link ChatStore.open}. */
  navigate: (hash: string) => void;
  /** Called on a 401 once any unsent text is safe in a draft: sends the user to sign in again. */
  onUnauthorized: () => void;
  pageSize?: number;
  /** The largest message the API accepts, in UTF-8 bytes (from config.json). */
  maxMessageBytes?: number;
}

interface TurnSpec {
  conversationId: string | null;
  content: string;
  clientMessageId: string;
  regenerate: boolean;
  /** How many times this turn already found the conversation busy (409). */
  busyRetries?: number;
}

/** A stopped answer is stored a moment after the stop: a send right after it may find the conversation busy for that long. */
const BusyRetries = 5;
const BusyRetryDelayMs = 300;

const initialState: ChatState = {
  conversations: [],
  nextCursor: null,
  list: 'loading',
  listError: null,
  currentId: null,
  current: 'ready',
  currentError: null,
  currentTitle: null,
  messages: [],
  turns: {},
  error: null,
  notice: null,
  restoredDraft: null,
  announcement: '',
};

/**
 * The chat's state and use cases, kept out of the components so they can be tested without a DOM. Components subscribe
 * and call methods; every change produces a new state object.
 */
export class ChatStore {
  private _state: ChatState = initialState;
  private readonly _listeners = new Set<() => void>();
  private readonly _controllers = new Map<string, AbortController>();
  private _openSeq = 0;
  private _listSeq = 0;
  /** Conversations this tab created while the first page was loading: that page was read before they existed. */
  private _createdDuringListLoad = new Set<string>();
  private _restoreSeq = 0;
  private _frame: FrameHandle | null = null;

  constructor(private readonly _options: ChatStoreOptions) {}

  get state(): ChatState {
    return this._state;
  }

  get maxMessageBytes(): number {
    return this._options.maxMessageBytes ?? DefaultMaxMessageBytes;
  }

  subscribe(listener: () => void): () => void {
    this._listeners.add(listener);
    return () => this._listeners.delete(listener);
  }

  /** The messages to show for the open conversation, including a streaming turn. */
  visibleMessages(state: ChatState = this._state): UiMessage[] {
    const turn = state.currentId ? state.turns[state.currentId] : undefined;
    if (!turn) {
      return state.messages;
    }
    // Reopened mid-answer, the stored question is already in the loaded messages.
    const stored = state.messages.filter((m) => m.id !== turn.user.id);
    return [...stored, turn.user, turn.assistant];
  }

  isStreaming(state: ChatState = this._state): boolean {
    return state.currentId !== null && state.turns[state.currentId] !== undefined;
  }

  // ---- Conversation list ----

  async loadConversations(): Promise<void> {
    const seq = ++this._listSeq;
    this._createdDuringListLoad = new Set();
    this._set({ list: 'loading', listError: null });
    try {
      const page = await this._options.api.listConversations(null, this._pageSize);
      if (seq !== this._listSeq) {
        return;
      }
      const listed = new Set(page.items.map((c) => c.id));
      const createdMeanwhile = this._state.conversations.filter((c) => this._createdDuringListLoad.has(c.id) && !listed.has(c.id));
      this._set({ conversations: [...createdMeanwhile, ...page.items], nextCursor: page.nextCursor, list: 'ready' });
    } catch (error) {
      if (seq === this._listSeq) {
        // After a 401 the list says why (the server's detail) instead of loading forever; sign-in may follow.
        this._handleUnauthorized(error);
        this._set({ list: 'error', listError: messageOf(error) });
      }
    }
  }

  async loadMore(): Promise<void> {
    const cursor = this._state.nextCursor;
    if (!cursor || this._state.list !== 'ready') {
      return;
    }
    const seq = this._listSeq;
    this._set({ list: 'loading-more', listError: null });
    try {
      const page = await this._options.api.listConversations(cursor, this._pageSize);
      if (seq !== this._listSeq) {
        return;
      }
      const known = new Set(this._state.conversations.map((c) => c.id));
      this._set({
        conversations: [...this._state.conversations, ...page.items.filter((c) => !known.has(c.id))],
        nextCursor: page.nextCursor,
        list: 'ready',
      });
    } catch (error) {
      if (seq === this._listSeq && !this._handleUnauthorized(error)) {
        this._set({ list: 'ready', notice: `Couldn't load more conversations. ${messageOf(error)}` });
      }
    }
  }

  /** Re-reads the first page quietly (to pick up server-made titles) and keeps the pages already loaded below it. */
  private async _refreshFirstPage(): Promise<void> {
    const seq = this._listSeq;
    try {
      const page = await this._options.api.listConversations(null, this._pageSize);
      if (seq !== this._listSeq) {
        return;
      }
      const fresh = new Set(page.items.map((c) => c.id));
      const older = this._state.conversations.filter((c) => !fresh.has(c.id));
      const title = this._state.currentId ? page.items.find((c) => c.id === this._state.currentId)?.title : undefined;
      this._set({
        conversations: [...page.items, ...older],
        nextCursor: this._state.nextCursor ?? page.nextCursor,
        ...(title ? { currentTitle: title } : {}),
      });
    } catch {
      // The list shown is still right, only its titles may lag.
    }
  }

  // ---- The open conversation ----

  /** Opens a conversation, or the empty new-chat page for null. */
  async open(id: string | null): Promise<void> {
    if (id === this._state.currentId && this._state.current !== 'error') {
      return;
    }
    const seq = ++this._openSeq;
    const error = this._state.error && this._state.error.key === draftKey(id) ? this._state.error : null;
    if (id === null) {
      this._set({ currentId: null, current: 'ready', currentError: null, currentTitle: null, messages: [], error });
      return;
    }

    const summary = this._state.conversations.find((c) => c.id === id);
    this._set({ currentId: id, current: 'loading', currentError: null, currentTitle: summary?.title ?? null, messages: [], error });
    try {
      const conversation = await this._options.api.getConversation(id);
      if (seq !== this._openSeq) {
        return;
      }
      this._set({
        current: 'ready',
        currentTitle: conversation.title,
        messages: conversation.messages.map((m) => ({ ...m })),
      });
    } catch (error) {
      if (seq !== this._openSeq || this._handleUnauthorized(error)) {
        return;
      }
      if (error instanceof ApiError && error.status === 404) {
        this._set({ current: 'missing', currentError: 'This conversation does not exist, or it belongs to someone else.' });
      } else {
        this._set({ current: 'error', currentError: messageOf(error) });
      }
    }
  }

  /** Loads the open conversation again after an error. */
  reloadCurrent(): void {
    const id = this._state.currentId;
    this._set({ current: 'error' });
    void this.open(id);
  }

  // ---- Turns ----

  /** Sends a message in the open conversation, creating the conversation first on the new-chat page. */
  send(content: string): void {
    void this._runTurn({ conversationId: this._state.currentId, content, clientMessageId: newClientMessageId(), regenerate: false });
  }

  /** A new answer to the last question, replacing the last answer (see {@link ApiClient.regenerate}). */
  regenerate(): void {
    const id = this._state.currentId;
    if (!id || this._state.turns[id]) {
      return;
    }
    const lastUser = [...this._state.messages].reverse().find((m) => m.role === 'user');
    if (!lastUser) {
      return;
    }
    void this._runTurn({ conversationId: id, content: lastUser.content, clientMessageId: newClientMessageId(), regenerate: true });
  }

  /** Stops the open conversation's answer. The server keeps what was written as `stopped`. */
  stop(): void {
    const id = this._state.currentId;
    if (id) {
      this._controllers.get(id)?.abort();
    }
  }

  dismissError(): void {
    this._set({ error: null });
  }

  showNotice(message: string): void {
    this._set({ notice: message });
  }

  dismissNotice(): void {
    this._set({ notice: null });
  }

  private async _runTurn(spec: TurnSpec): Promise<void> {
    const api = this._options.api;
    const key = draftKey(spec.conversationId);
    this._set({ error: null });

    let conversationId = spec.conversationId;
    const createdForThisSend = conversationId === null;
    if (conversationId === null) {
      try {
        const created = await api.createConversation();
        conversationId = created.id;
        if (this._state.list === 'loading') {
          this._createdDuringListLoad.add(created.id);
        }
        this._set({
          conversations: [created, ...this._state.conversations.filter((c) => c.id !== created.id)],
        });
        // Opening it here (not through open()) keeps the page as it is: there is nothing to load yet.
        if (this._state.currentId === null) {
          ++this._openSeq;
          this._set({ currentId: created.id, current: 'ready', currentError: null, currentTitle: created.title, messages: [] });
          this._options.navigate(`#/c/${encodeURIComponent(created.id)}`);
        }
      } catch (error) {
        this._failBeforeStored(error, key, spec);
        return;
      }
    }

    // The server titles an untitled conversation from its first message; show that title straight away.
    const summary = this._state.conversations.find((c) => c.id === conversationId);
    const localTitle = summary !== undefined && !summary.title;
    if (localTitle) {
      const title = titleFromFirstMessage(spec.content);
      this._set({
        conversations: this._state.conversations.map((c) => (c.id === conversationId ? { ...c, title } : c)),
        ...(this._state.currentId === conversationId ? { currentTitle: title } : {}),
      });
    }

    const now = new Date().toISOString();
    // Regenerating, the stored question is the turn's question, and the answer it replaces leaves the page at once.
    const replaced = spec.regenerate && this._state.currentId === conversationId ? this._state.messages : null;
    const question = replaced ? [...replaced].reverse().find((m) => m.role === 'user') : undefined;
    if (replaced && question) {
      this._set({ messages: replaced.slice(0, replaced.indexOf(question) + 1) });
    }
    const turn: Turn = {
      conversationId,
      localTitle,
      user: question ?? { id: `local-${spec.clientMessageId}`, role: 'user', content: spec.content, createdAt: now, status: 'pending' },
      assistant: { id: `answer-${spec.clientMessageId}`, role: 'assistant', content: '', createdAt: now, status: 'streaming' },
    };
    const controller = new AbortController();
    this._controllers.set(conversationId, controller);
    this._setTurn(turn);
    this._set({ announcement: 'ChatBot is answering.' });

    const events = spec.regenerate
      ? api.regenerate(conversationId, controller.signal)
      : api.sendMessage(conversationId, spec.content, spec.clientMessageId, controller.signal);

    let stored = false;
    let outcome: 'done' | 'stopped' | 'failed' = 'done';
    let failure: string | null = null;
    try {
      for await (const event of events) {
        stored ||= event.type === 'user';
        this._applyEvent(conversationId, event);
        if (event.type === 'error') {
          outcome = 'failed';
          failure = problemMessage(event.problem);
        }
      }
    } catch (error) {
      if (isAbortError(error)) {
        outcome = 'stopped';
        this._updateTurn(conversationId, (t) => ({ ...t, assistant: { ...t.assistant, status: 'stopped' } }));
      } else if (!stored) {
        this._endTurn(conversationId, false);
        if (error instanceof ApiError && error.status === 409 && (spec.busyRetries ?? 0) < BusyRetries) {
          if (replaced && this._state.currentId === conversationId) {
            this._set({ messages: replaced });
          }
          await new Promise((resolve) => setTimeout(resolve, BusyRetryDelayMs));
          return this._runTurn({ ...spec, conversationId, busyRetries: (spec.busyRetries ?? 0) + 1 });
        }
        if (replaced && this._state.currentId === conversationId) {
          // Nothing was replaced: the old answer comes back, and Retry asks again.
          this._set({ messages: replaced });
          if (!this._handleUnauthorized(error)) {
            this._setError(conversationId, `No new answer. ${messageOf(error)}`, () => this.regenerate());
          }
          return;
        }
        if (createdForThisSend && isRefusal(error)) {
          // The conversation was made for this message and the server refused the message (storing nothing): leave no
          // empty conversation behind. After a network error the message may have been stored, so the conversation stays.
          await this._discardConversation(conversationId);
          this._failBeforeStored(error, draftKey(null), { ...spec, conversationId: null });
          return;
        }
        this._failBeforeStored(error, draftKey(conversationId), { ...spec, conversationId });
        return;
      } else {
        outcome = 'failed';
        const message = messageOf(error);
        this._updateTurn(conversationId, (t) => ({ ...t, assistant: { ...t.assistant, status: 'failed', note: message } }));
        if (!this._handleUnauthorized(error)) {
          failure = message;
        }
      }
    }

    this._endTurn(conversationId, true);
    if (failure !== null) {
      // Set once the turn has ended, so Retry (a regenerate) can start a new one.
      this._setError(conversationId, failure, () => this.regenerate());
    }
    this._set({
      announcement: outcome === 'done' ? 'Answer complete.' : outcome === 'stopped' ? 'Answer stopped.' : 'The answer failed.',
    });
  }

  private _applyEvent(conversationId: string, event: TurnEvent): void {
    switch (event.type) {
      case 'user':
        this._updateTurn(conversationId, (t) => ({ ...t, user: toUi(event.message) }));
        break;
      case 'delta':
        // Tokens arrive faster than frames: coalesce the re-renders.
        this._updateTurn(conversationId, (t) => ({ ...t, assistant: { ...t.assistant, content: t.assistant.content + event.text } }), true);
        break;
      case 'done':
        this._updateTurn(conversationId, (t) => ({ ...t, assistant: toUi(event.message) }));
        break;
      case 'error':
        this._updateTurn(conversationId, (t) => ({
          ...t,
          assistant: { ...t.assistant, status: 'failed', note: problemMessage(event.problem) },
        }));
        break;
    }
  }

  /** The send failed before the server stored the question: give the text back and offer to send it again. */
  private _failBeforeStored(error: unknown, key: string, spec: TurnSpec): void {
    this._restoreDraft(key, spec.content);
    if (this._handleUnauthorized(error)) {
      return;
    }
    // A retry reuses the clientMessageId, so a question that did reach the server is not stored twice.
    this._setError(spec.conversationId ?? key, `Your message was not sent. ${messageOf(error)}`, () => {
      if (this._state.restoredDraft?.text === spec.content) {
        this._set({ restoredDraft: { key, text: '', seq: ++this._restoreSeq } });
        saveDraft(key, '');
      }
      void this._runTurn(spec);
    });
  }

  /** Deletes a conversation this tab just created and shows the new-chat page again. */
  private async _discardConversation(id: string): Promise<void> {
    try {
      await this._options.api.deleteConversation(id);
    } catch {
      // Left behind, it is an empty conversation the user can delete; the refused message matters more.
    }
    this._set({ conversations: this._state.conversations.filter((c) => c.id !== id) });
    if (this._state.currentId === id) {
      ++this._openSeq;
      this._set({ currentId: null, current: 'ready', currentError: null, currentTitle: null, messages: [] });
      this._options.navigate('#/');
    }
  }

  private _restoreDraft(key: string, text: string): void {
    saveDraft(key, text);
    this._set({ restoredDraft: { key, text, seq: ++this._restoreSeq } });
  }

  private _endTurn(conversationId: string, keep: boolean): void {
    this._controllers.delete(conversationId);
    const turn = this._state.turns[conversationId];
    if (!turn) {
      return;
    }
    const turns = { ...this._state.turns };
    delete turns[conversationId];
    const patch: Partial<ChatState> = { turns };
    if (keep) {
      if (this._state.currentId === conversationId) {
        const user: UiMessage = { ...turn.user, status: turn.user.status === 'pending' ? 'complete' : turn.user.status };
        const assistant: UiMessage = { ...turn.assistant, status: turn.assistant.status === 'streaming' ? 'failed' : turn.assistant.status };
        const finished = [user, assistant];
        patch.messages = [...this._state.messages.filter((m) => m.id !== turn.user.id && m.id !== turn.assistant.id), ...finished];
      }
      const summary = this._state.conversations.find((c) => c.id === conversationId);
      // Not in the list: deleted while it was answering.
      const untitled = summary !== undefined && (!summary.title || turn.localTitle === true);
      if (summary) {
        const title = summary.title ?? titleFromFirstMessage(turn.user.content);
        const updated: ConversationSummary = { ...summary, title, updatedAt: new Date().toISOString() };
        patch.conversations = [updated, ...this._state.conversations.filter((c) => c.id !== conversationId)];
        if (this._state.currentId === conversationId) {
          patch.currentTitle = title;
        }
      }
      this._set(patch);
      if (untitled) {
        // Pick up the title the server stored.
        void this._refreshFirstPage();
      }
      return;
    }
    this._set(patch);
  }

  private _setTurn(turn: Turn): void {
    this._set({ turns: { ...this._state.turns, [turn.conversationId]: turn } });
  }

  private _updateTurn(conversationId: string, update: (turn: Turn) => Turn, batched = false): void {
    const turn = this._state.turns[conversationId];
    if (!turn) {
      return;
    }
    const next = { ...this._state, turns: { ...this._state.turns, [conversationId]: update(turn) } };
    if (batched) {
      this._state = next;
      this._emitSoon();
    } else {
      this._state = next;
      this._emit();
    }
  }

  private _setError(key: string, message: string, retry: () => void): void {
    this._set({ error: { key, message, retry } });
  }

  // ---- Conversation management ----

  async rename(id: string, title: string): Promise<boolean> {
    const trimmed = title.trim();
    const summary = this._state.conversations.find((c) => c.id === id);
    if (!trimmed || trimmed === summary?.title) {
      return true;
    }
    try {
      const renamed = await this._options.api.renameConversation(id, trimmed);
      this._set({
        conversations: this._state.conversations.map((c) => (c.id === id ? { ...c, ...renamed, title: renamed.title ?? trimmed } : c)),
        ...(this._state.currentId === id ? { currentTitle: renamed.title ?? trimmed } : {}),
      });
      return true;
    } catch (error) {
      if (!this._handleUnauthorized(error)) {
        this._set({ notice: `Couldn't rename the conversation. ${messageOf(error)}` });
      }
      return false;
    }
  }

  async remove(id: string): Promise<boolean> {
    this._controllers.get(id)?.abort();
    try {
      await this._options.api.deleteConversation(id);
    } catch (error) {
      // Already gone is what the user wanted.
      if (!(error instanceof ApiError && error.status === 404)) {
        if (!this._handleUnauthorized(error)) {
          this._set({ notice: `Couldn't delete the conversation. ${messageOf(error)}` });
        }
        return false;
      }
    }
    this._set({ conversations: this._state.conversations.filter((c) => c.id !== id) });
    saveDraft(id, '');
    if (this._state.currentId === id) {
      this._set({ currentId: null, current: 'ready', messages: [], currentTitle: null, error: null });
      this._options.navigate('#/');
    }
    return true;
  }

  /** Forgets everything (the local development user changed) and starts over. */
  reset(): void {
    for (const controller of this._controllers.values()) {
      controller.abort();
    }
    this._controllers.clear();
    ++this._openSeq;
    ++this._listSeq;
    this._state = { ...initialState };
    this._emit();
    this._options.navigate('#/');
    void this.loadConversations();
  }

  // ---- Plumbing ----

  private _handleUnauthorized(error: unknown): boolean {
    if (error instanceof ApiError && error.isUnauthorized) {
      this._options.onUnauthorized();
      return true;
    }
    return false;
  }

  private get _pageSize(): number {
    return this._options.pageSize ?? 30;
  }

  private _set(patch: Partial<ChatState>): void {
    this._state = { ...this._state, ...patch };
    this._emit();
  }

  private _emit(): void {
    if (this._frame !== null) {
      cancelFrame(this._frame);
      this._frame = null;
    }
    for (const listener of this._listeners) {
      listener();
    }
  }

  private _emitSoon(): void {
    if (this._frame === null) {
      this._frame = requestFrame(() => {
        this._frame = null;
        this._emit();
      });
    }
  }
}

function toUi(message: Message): UiMessage {
  return { id: message.id, role: message.role, content: message.content, createdAt: message.createdAt, status: message.status };
}

/** The server answered and turned the request down: a 4xx other than 401 (which means "sign in again"). */
function isRefusal(error: unknown): boolean {
  return error instanceof ApiError && error.status >= 400 && error.status < 500 && !error.isUnauthorized;
}

function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    return error.userMessage;
  }
  return error instanceof Error && error.message ? error.message : 'Something went wrong.';
}

// Background tabs get no animation frames; a timer keeps a streaming answer current there too.
type FrameHandle = { raf: number } | { timer: ReturnType<typeof setTimeout> };

function requestFrame(callback: () => void): FrameHandle {
  return typeof requestAnimationFrame === 'function' && document.visibilityState === 'visible'
    ? { raf: requestAnimationFrame(callback) }
    : { timer: setTimeout(callback, 50) };
}

function cancelFrame(handle: FrameHandle): void {
  if ('raf' in handle) {
    cancelAnimationFrame(handle.raf);
  } else {
    clearTimeout(handle.timer);
  }
}
