import { ApiError, isAbortError, newClientMessageId, problemMessage } from '../api/client';
import type { ConversationSummary, TurnEvent } from '../api/types';
import { messageOf, toUi, type ChatState, type StoreContext, type Turn, type UiMessage } from './chat-state';
import type { ConversationList } from './conversation-list';
import { draftKey, saveDraft } from './drafts';
import type { OpenConversation } from './open-conversation';

interface TurnSpec {
  conversationId: string | null;
  content: string;
  clientMessageId: string;
  /** `send` a new question; answer the last one again (`regenerate`), go on with its cut-off answer (`continue`), or replace it (`edit`). */
  mode: 'send' | 'regenerate' | 'continue' | 'edit';
  /** `edit`: the id of the last question. */
  messageId?: string;
  /** How many times this turn already found the conversation busy (409). */
  busyRetries?: number;
}

/** A stopped answer is stored a moment after the stop: a send right after it may find the conversation busy for that long. */
const BusyRetries = 5;
const BusyRetryDelayMs = 300;

/** Sends questions and streams their answers, one turn per conversation at a time, whichever conversation is open. */
export class TurnRunner {
  private readonly _controllers = new Map<string, AbortController>();
  private _restoreSeq = 0;

  constructor(
    private readonly _ctx: StoreContext,
    private readonly _list: ConversationList,
    private readonly _open: OpenConversation,
  ) {}

  /** Sends a message in the open conversation, creating the conversation first on the new-chat page. */
  send(content: string): void {
    void this._run({ conversationId: this._ctx.state.currentId, content, clientMessageId: newClientMessageId(), mode: 'send' });
  }

  /** Goes on with the last answer where it was cut off at the output-token limit; the same message grows. */
  continueAnswer(): void {
    const state = this._ctx.state;
    const last = state.messages[state.messages.length - 1];
    if (state.currentId && !state.turns[state.currentId] && last?.role === 'assistant' && last.finishReason === 'length') {
      void this._run({ conversationId: state.currentId, content: '', clientMessageId: newClientMessageId(), mode: 'continue' });
    }
  }

  /** Replaces the last question with `content` and answers it again. */
  edit(messageId: string, content: string): void {
    const id = this._ctx.state.currentId;
    if (id && !this._ctx.state.turns[id]) {
      void this._run({ conversationId: id, content, clientMessageId: newClientMessageId(), mode: 'edit', messageId });
    }
  }

  /** A new answer to the last question, replacing the last answer (see {@link ApiClient.regenerate}). */
  regenerate(): void {
    const state = this._ctx.state;
    const id = state.currentId;
    if (!id || state.turns[id]) {
      return;
    }
    const lastUser = [...state.messages].reverse().find((m) => m.role === 'user');
    if (!lastUser) {
      return;
    }
    void this._run({ conversationId: id, content: lastUser.content, clientMessageId: newClientMessageId(), mode: 'regenerate' });
  }

  /** Stops a conversation's answer. The server keeps what was written as `stopped`. */
  stop(conversationId: string): void {
    this._controllers.get(conversationId)?.abort();
  }

  stopAll(): void {
    for (const controller of this._controllers.values()) {
      controller.abort();
    }
    this._controllers.clear();
  }

  private async _run(spec: TurnSpec): Promise<void> {
    const ctx = this._ctx;
    const api = ctx.options.api;
    const key = draftKey(spec.conversationId);
    ctx.set({ error: null });

    let conversationId = spec.conversationId;
    const createdForThisSend = conversationId === null;
    if (conversationId === null) {
      try {
        const created = await api.createConversation(undefined, ctx.state.currentModel);
        conversationId = created.id;
        this._list.addCreated(created);
        // Opening it here (not through open()) keeps the page as it is: there is nothing to load yet.
        if (ctx.state.currentId === null) {
          this._open.showCreated(created);
        }
      } catch (error) {
        this._failBeforeStored(error, key, spec);
        return;
      }
    }

    const now = new Date().toISOString();
    // Regenerating, continuing or editing, the stored question is the turn's question, and the answer it replaces (or
    // grows) leaves the page at once: the turn shows it. An edited question shows its new text.
    const replaced = spec.mode !== 'send' && ctx.state.currentId === conversationId ? ctx.state.messages : null;
    const lastQuestion = replaced ? [...replaced].reverse().find((m) => m.role === 'user') : undefined;
    const cut = spec.mode === 'continue' ? replaced?.[replaced.length - 1] : undefined;
    if (replaced && lastQuestion) {
      ctx.set({ messages: replaced.slice(0, replaced.indexOf(lastQuestion) + (spec.mode === 'edit' ? 0 : 1)) });
    }
    const question = lastQuestion && spec.mode === 'edit' ? { ...lastQuestion, content: spec.content } : lastQuestion;
    const turn: Turn = {
      conversationId,
      user: question ?? { id: `local-${spec.clientMessageId}`, role: 'user', content: spec.content, createdAt: now, status: 'pending' },
      assistant: cut
        ? { ...cut, status: 'streaming', finishReason: null }
        : { id: `answer-${spec.clientMessageId}`, role: 'assistant', content: '', createdAt: now, status: 'streaming' },
    };
    const controller = new AbortController();
    this._controllers.set(conversationId, controller);
    ctx.set({ turns: { ...ctx.state.turns, [turn.conversationId]: turn } });
    ctx.set({ announcement: 'ChatBot is answering.' });

    // Only a model the deployment still offers: a conversation may remember one it no longer does.
    const chosen = ctx.state.currentModel;
    const model = ctx.state.models.some((m) => m.id === chosen) ? (chosen ?? undefined) : undefined;
    const events =
      spec.mode === 'regenerate'
        ? api.regenerate(conversationId, controller.signal, model)
        : spec.mode === 'continue'
          ? api.continueAnswer(conversationId, controller.signal)
          : spec.mode === 'edit'
            ? api.editMessage(conversationId, spec.messageId!, spec.content, controller.signal)
            : api.sendMessage(conversationId, spec.content, spec.clientMessageId, controller.signal, model);

    let stored = false;
    let outcome: 'done' | 'stopped' | 'failed' = 'done';
    let failure: string | null = null;
    try {
      for await (const event of events) {
        stored ||= event.type === 'user';
        this._apply(conversationId, event);
        if (event.type === 'error') {
          outcome = 'failed';
          failure = problemMessage(event.problem);
        }
      }
    } catch (error) {
      if (isAbortError(error)) {
        outcome = 'stopped';
        this._update(conversationId, (t) => ({ ...t, assistant: { ...t.assistant, status: 'stopped' } }));
      } else if (!stored) {
        this._end(conversationId, false);
        if (error instanceof ApiError && error.status === 409 && (spec.busyRetries ?? 0) < BusyRetries) {
          if (replaced && ctx.state.currentId === conversationId) {
            ctx.set({ messages: replaced });
          }
          await new Promise((resolve) => setTimeout(resolve, BusyRetryDelayMs));
          return this._run({ ...spec, conversationId, busyRetries: (spec.busyRetries ?? 0) + 1 });
        }
        if (replaced && ctx.state.currentId === conversationId) {
          // Nothing was replaced: the old answer comes back, and Retry asks again.
          ctx.set({ messages: replaced });
          if (!ctx.handleUnauthorized(error)) {
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
        this._update(conversationId, (t) => ({ ...t, assistant: { ...t.assistant, status: 'failed', note: message } }));
        if (!ctx.handleUnauthorized(error)) {
          failure = message;
        }
      }
    }

    this._end(conversationId, true);
    if (failure !== null) {
      // Set once the turn has ended, so Retry (a regenerate) can start a new one.
      this._setError(conversationId, failure, () => this.regenerate());
    }
    ctx.set({
      announcement: outcome === 'done' ? 'Answer complete.' : outcome === 'stopped' ? 'Answer stopped.' : 'The answer failed.',
    });
  }

  private _apply(conversationId: string, event: TurnEvent): void {
    switch (event.type) {
      case 'user':
        this._update(conversationId, (t) => ({ ...t, user: toUi(event.message) }));
        break;
      case 'delta':
        // Tokens arrive faster than frames: coalesce the re-renders.
        this._update(conversationId, (t) => ({ ...t, assistant: { ...t.assistant, content: t.assistant.content + event.text } }), true);
        break;
      case 'done':
        this._update(conversationId, (t) => ({ ...t, assistant: toUi(event.message), conversation: event.conversation ?? t.conversation }));
        break;
      case 'error':
        this._update(conversationId, (t) => ({
          ...t,
          assistant: { ...t.assistant, status: 'failed', note: problemMessage(event.problem) },
        }));
        break;
    }
  }

  /** The send failed before the server stored the question: give the text back and offer to send it again. */
  private _failBeforeStored(error: unknown, key: string, spec: TurnSpec): void {
    const ctx = this._ctx;
    this._restoreDraft(key, spec.content);
    if (ctx.handleUnauthorized(error)) {
      return;
    }
    // A retry reuses the clientMessageId, so a question that did reach the server is not stored twice.
    this._setError(spec.conversationId ?? key, `Your message was not sent. ${messageOf(error)}`, () => {
      if (ctx.state.restoredDraft?.text === spec.content) {
        ctx.set({ restoredDraft: { key, text: '', seq: ++this._restoreSeq } });
        saveDraft(key, '');
      }
      void this._run(spec);
    });
  }

  /** Deletes a conversation this tab just created and shows the new-chat page again. */
  private async _discardConversation(id: string): Promise<void> {
    const ctx = this._ctx;
    try {
      await ctx.options.api.deleteConversation(id);
    } catch {
      // Left behind, it is an empty conversation the user can delete; the refused message matters more.
    }
    ctx.set({ conversations: ctx.state.conversations.filter((c) => c.id !== id) });
    if (ctx.state.currentId === id) {
      this._open.close();
    }
  }

  private _restoreDraft(key: string, text: string): void {
    saveDraft(key, text);
    this._ctx.set({ restoredDraft: { key, text, seq: ++this._restoreSeq } });
  }

  private _end(conversationId: string, keep: boolean): void {
    const ctx = this._ctx;
    this._controllers.delete(conversationId);
    const turn = ctx.state.turns[conversationId];
    if (!turn) {
      return;
    }
    const turns = { ...ctx.state.turns };
    delete turns[conversationId];
    const patch: Partial<ChatState> = { turns };
    if (!keep) {
      ctx.set(patch);
      return;
    }
    if (ctx.state.currentId === conversationId) {
      const user: UiMessage = { ...turn.user, status: turn.user.status === 'pending' ? 'complete' : turn.user.status };
      const assistant: UiMessage = { ...turn.assistant, status: turn.assistant.status === 'streaming' ? 'failed' : turn.assistant.status };
      patch.messages = [...ctx.state.messages.filter((m) => m.id !== turn.user.id && m.id !== turn.assistant.id), user, assistant];
    }
    // Not in the list: deleted while it was answering.
    const summary = ctx.state.conversations.find((c) => c.id === conversationId);
    if (summary) {
      // The `done` event says how the server left the conversation; without it (stopped, failed) only its activity moved.
      const updated: ConversationSummary = turn.conversation ?? { ...summary, updatedAt: new Date().toISOString() };
      patch.conversations = [updated, ...ctx.state.conversations.filter((c) => c.id !== conversationId)];
      if (ctx.state.currentId === conversationId) {
        patch.currentTitle = updated.title;
      }
    }
    ctx.set(patch);
    if (summary && !summary.title && !turn.conversation) {
      // The server titled it from the first message, but no `done` event said how: read the list again.
      void this._list.refreshFirstPage();
    }
  }

  private _update(conversationId: string, update: (turn: Turn) => Turn, batched = false): void {
    const state = this._ctx.state;
    const turn = state.turns[conversationId];
    if (!turn) {
      return;
    }
    this._ctx.cell.replace({ ...state, turns: { ...state.turns, [conversationId]: update(turn) } }, batched);
  }

  private _setError(key: string, message: string, retry: () => void): void {
    this._ctx.set({ error: { key, message, retry } });
  }
}

/** The server answered and turned the request down: a 4xx other than 401 (which means "sign in again"). */
function isRefusal(error: unknown): boolean {
  return error instanceof ApiError && error.status >= 400 && error.status < 500 && !error.isUnauthorized;
}
