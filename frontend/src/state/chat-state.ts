import { ApiError, type ApiClient } from '../api/client';
import type { ConversationSummary, Message, MessageStatus, SearchResult } from '../api/types';
import type { StateCell } from './frames';

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
  user: UiMessage;
  assistant: UiMessage;
  /** Set by the `done` event: the conversation as the server stored it (title, activity time). */
  conversation?: ConversationSummary;
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
  /** A search over the conversations, shown in place of the list while it has a query. */
  search: SearchState | null;
}

export interface SearchState {
  query: string;
  results: SearchResult[];
  nextCursor: string | null;
  status: 'loading' | 'ready' | 'error' | 'loading-more';
  error: string | null;
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

export const initialState: ChatState = {
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
  search: null,
};

/** What each part of the store shares: the state, the options, and the one answer to a 401. */
export class StoreContext {
  constructor(
    readonly cell: StateCell<ChatState>,
    readonly options: ChatStoreOptions,
  ) {}

  get state(): ChatState {
    return this.cell.state;
  }

  set(patch: Partial<ChatState>): void {
    this.cell.set(patch);
  }

  /** True when the error was a 401: the user is sent to sign in again and nothing else needs saying. */
  handleUnauthorized(error: unknown): boolean {
    if (error instanceof ApiError && error.isUnauthorized) {
      this.options.onUnauthorized();
      return true;
    }
    return false;
  }
}

export function toUi(message: Message): UiMessage {
  return { id: message.id, role: message.role, content: message.content, createdAt: message.createdAt, status: message.status };
}

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    return error.userMessage;
  }
  return error instanceof Error && error.message ? error.message : 'Something went wrong.';
}
