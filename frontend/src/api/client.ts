import type { Auth } from '../auth/types';
import { readSse } from './sse';
import type {
  AdminUsage,
  MyUsage,
  Conversation,
  ConversationPage,
  ConversationPatch,
  ConversationSummary,
  ExportFormat,
  Message,
  ModelList,
  ProblemDetails,
  SearchPage,
  Rating,
  TurnEvent,
  UserSettings,
} from './types';

/** An API call that failed: an HTTP error (with its ProblemDetails), or no answer at all (`status` 0). */
export class ApiError extends Error {
  override name = 'ApiError';

  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly problem?: ProblemDetails,
    readonly retryAfterSeconds?: number,
  ) {
    super(detail ? detail : title);
  }

  get isUnauthorized(): boolean {
    return this.status === 401;
  }

  get isNetwork(): boolean {
    return this.status === 0;
  }

  /** One sentence or two for people: the server's detail, plus when to retry if it said. */
  get userMessage(): string {
    const limit = this.problem ? limitMessage(this.problem) : null;
    if (limit) {
      return limit;
    }
    const text = this.detail || this.title;
    return this.retryAfterSeconds ? `${text} Try again in ${this.retryAfterSeconds} s.` : text;
  }
}

export function isAbortError(error: unknown): boolean {
  return error instanceof DOMException ? error.name === 'AbortError' : (error as { name?: string } | null)?.name === 'AbortError';
}

export function newClientMessageId(): string {
  if (typeof crypto.randomUUID === 'function') {
    return crypto.randomUUID();
  }
  // randomUUID needs a secure context; plain-HTTP LAN testing still deserves unique ids.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

type Fetch = typeof fetch;

export class ApiClient {
  private readonly _fetch: Fetch;

  constructor(
    private readonly _basePath: string,
    private readonly _auth: Auth,
    fetcher?: Fetch,
  ) {
    this._fetch = fetcher ?? ((input, init) => fetch(input, init));
  }

  listConversations(cursor?: string | null, limit = 30): Promise<ConversationPage> {
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor) {
      query.set('cursor', cursor);
    }
    return this._json<ConversationPage>('GET', `/conversations?${query}`);
  }

  createConversation(title?: string, model?: string | null): Promise<ConversationSummary> {
    return this._json<ConversationSummary>('POST', '/conversations', { ...(title ? { title } : {}), ...(model ? { model } : {}) });
  }

  getConversation(id: string): Promise<Conversation> {
    return this._json<Conversation>('GET', `/conversations/${encodeURIComponent(id)}`);
  }

  renameConversation(id: string, title: string): Promise<ConversationSummary> {
    return this._json<ConversationSummary>('PATCH', `/conversations/${encodeURIComponent(id)}`, { title });
  }

  async deleteConversation(id: string): Promise<void> {
    await this._request('DELETE', `/conversations/${encodeURIComponent(id)}`);
  }

  /**
   * Sends a message and streams the answer. Aborting `signal` is how the user stops an answer: the server keeps the
   * partial answer as `stopped`. Repeating a `clientMessageId` (a retry) does not store a second copy.
   *
   * Throws {@link ApiError} when the request fails or the stream breaks off, and the AbortError when stopped.
   */
  sendMessage(conversationId: string, content: string, clientMessageId: string, signal?: AbortSignal, model?: string): AsyncGenerator<TurnEvent> {
    // The model chosen on screen goes with the message, so the answer uses it even if the choice is still being saved.
    return this._turn(`/conversations/${encodeURIComponent(conversationId)}/messages`, model ? { content, clientMessageId, model } : { content, clientMessageId }, signal);
  }

  /**
   * Asks for a new answer to the conversation's last question, streamed like a sent message (its `user` event is the stored
   * question). The new answer replaces the last one; the question is not stored again.
   */
  regenerate(conversationId: string, signal?: AbortSignal, model?: string): AsyncGenerator<TurnEvent> {
    return this._turn(`/conversations/${encodeURIComponent(conversationId)}/regenerate`, model ? { model } : undefined, signal);
  }

  /** The caller's limits and their last `days` of usage. */
  myUsage(days = 30): Promise<MyUsage> {
    return this._json<MyUsage>('GET', `/me/usage?days=${days}`);
  }

  /** Everyone's usage (admins only; anyone else gets a 404). */
  adminUsage(days = 30): Promise<AdminUsage> {
    return this._json<AdminUsage>('GET', `/admin/usage?days=${days}`);
  }

  // ---- Model choice, instructions, edit, continue, feedback ----

  listModels(): Promise<ModelList> {
    return this._json<ModelList>('GET', '/models');
  }

  updateConversation(id: string, patch: ConversationPatch): Promise<ConversationSummary> {
    return this._json<ConversationSummary>('PATCH', `/conversations/${encodeURIComponent(id)}`, patch);
  }

  /** Continues the last answer where it was cut off; the deltas are the new text, `done` the whole grown answer. */
  continueAnswer(conversationId: string, signal?: AbortSignal): AsyncGenerator<TurnEvent> {
    return this._turn(`/conversations/${encodeURIComponent(conversationId)}/continue`, undefined, signal);
  }

  /** Replaces the last question's text and answers it again; the last turn is replaced, not repeated. */
  editMessage(conversationId: string, messageId: string, content: string, signal?: AbortSignal): AsyncGenerator<TurnEvent> {
    const path = `/conversations/${encodeURIComponent(conversationId)}/messages/${encodeURIComponent(messageId)}`;
    return this._turn(path, { content }, signal, 'PUT');
  }

  /** Rates an answer, or with a null rating clears the rating. */
  setFeedback(conversationId: string, messageId: string, rating: Rating | null, comment?: string): Promise<Message> {
    const path = `/conversations/${encodeURIComponent(conversationId)}/messages/${encodeURIComponent(messageId)}/feedback`;
    return rating ? this._json<Message>('PUT', path, { rating, ...(comment ? { comment } : {}) }) : this._json<Message>('DELETE', path);
  }

  getSettings(): Promise<UserSettings> {
    return this._json<UserSettings>('GET', '/me/settings');
  }

  saveSettings(settings: UserSettings): Promise<UserSettings> {
    return this._json<UserSettings>('PUT', '/me/settings', settings);
  }

  private async *_turn(path: string, body: unknown, signal?: AbortSignal, method = 'POST'): AsyncGenerator<TurnEvent> {
    const response = await this._request(method, path, body, signal, 'text/event-stream');

    const type = response.headers.get('Content-Type') ?? '';
    if (type.includes('application/json')) {
      // A replayed clientMessageId may be answered with the stored pair instead of a stream.
      const pair = (await response.json()) as { user: Message; assistant: Message };
      yield { type: 'user', message: pair.user };
      yield { type: 'done', message: pair.assistant };
      return;
    }
    if (!response.body) {
      throw new ApiError(0, 'The server sent no answer.');
    }

    let finished = false;
    try {
      for await (const event of readSse(response.body)) {
        const turnEvent = toTurnEvent(event.event, event.data);
        if (!turnEvent) {
          continue;
        }
        yield turnEvent;
        if (turnEvent.type === 'done' || turnEvent.type === 'error') {
          finished = true;
          return;
        }
      }
    } catch (error) {
      if (isAbortError(error) || error instanceof ApiError) {
        throw error;
      }
      throw new ApiError(0, 'The connection was lost before the answer finished.', 'Check your connection and retry.');
    }
    if (!finished) {
      throw new ApiError(0, 'The connection closed before the answer finished.', 'The answer may be incomplete. Retry to get a full answer.');
    }
  }

  // ---- Search, export and delete-all ----

  /** The caller's conversations whose title or one message holds every word of `q`, newest first. */
  searchConversations(q: string, cursor?: string | null, limit = 30): Promise<SearchPage> {
    const query = new URLSearchParams({ q, limit: String(limit) });
    if (cursor) {
      query.set('cursor', cursor);
    }
    return this._json<SearchPage>('GET', `/conversations/search?${query}`);
  }

  /** One conversation as a file, or (no id) every conversation as one JSON archive, which the server streams. */
  async exportConversations(id: string | null, format: ExportFormat = 'json'): Promise<{ blob: Blob; fileName: string }> {
    const path = id ? `/conversations/${encodeURIComponent(id)}/export?format=${format}` : '/conversations/export';
    const response = await this._request('GET', path, undefined, undefined, '*/*');
    const named = /filename="?([^";]+)"?/.exec(response.headers.get('Content-Disposition') ?? '');
    return { blob: await response.blob(), fileName: named?.[1] ?? 'chatbot-export' };
  }

  /** Deletes every conversation of the caller; safe to repeat. */
  deleteAllConversations(): Promise<{ deleted: number }> {
    return this._json<{ deleted: number }>('DELETE', '/conversations');
  }

  private async _json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this._request(method, path, body);
    try {
      return (await response.json()) as T;
    } catch {
      throw new ApiError(response.status, 'The server sent an answer ChatBot could not read.');
    }
  }

  private async _request(method: string, path: string, body?: unknown, signal?: AbortSignal, accept = 'application/json'): Promise<Response> {
    const headers: Record<string, string> = { Accept: accept, ...(await this._auth.headers()) };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }

    let response: Response;
    try {
      response = await this._fetch(this._basePath + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        credentials: 'same-origin',
      });
    } catch (error) {
      if (isAbortError(error)) {
        throw error;
      }
      throw new ApiError(0, "Can't reach ChatBot.", 'Check your connection and try again.');
    }

    if (!response.ok) {
      throw await errorFromResponse(response);
    }
    return response;
  }
}

const FallbackTitles: Record<number, string> = {
  400: 'The request was not accepted.',
  401: 'Your session has expired. Sign in again.',
  403: "You don't have access to this.",
  404: 'Not found. It may have been deleted.',
  409: 'An answer is still being written in this conversation.',
  413: 'The message is too long.',
  422: 'The message does not fit the model.',
  429: 'Too many requests right now.',
  502: 'The model failed to answer.',
  503: 'ChatBot is temporarily unavailable.',
  504: 'The server took too long to answer.',
};

/** Turns an error response into an {@link ApiError}, reading RFC 7807 problem details when the body has them. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  let problem: ProblemDetails | undefined;
  const type = response.headers.get('Content-Type') ?? '';
  if (type.includes('json')) {
    try {
      const parsed: unknown = await response.json();
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        problem = parsed as ProblemDetails;
      }
    } catch {
      // An unreadable body is no worse than none.
    }
  }

  const status = response.status;
  const fallback = FallbackTitles[status] ?? (status >= 500 ? 'The server had a problem.' : `The request failed (HTTP ${status}).`);
  const title = typeof problem?.title === 'string' && problem.title ? problem.title : fallback;
  const detail = typeof problem?.detail === 'string' && problem.detail ? problem.detail : validationSummary(problem) ?? undefined;
  return new ApiError(status, title, detail, problem, retryAfter(response.headers.get('Retry-After')));
}

function toTurnEvent(name: string, data: string): TurnEvent | null {
  let payload: unknown;
  try {
    payload = JSON.parse(data);
  } catch {
    throw new ApiError(0, 'The server sent an answer ChatBot could not read.');
  }
  switch (name) {
    case 'user':
      return { type: 'user', message: payload as Message };
    case 'delta': {
      const text = (payload as { text?: unknown }).text;
      return typeof text === 'string' ? { type: 'delta', text } : null;
    }
    case 'done': {
      // The answer's fields, plus the conversation's summary.
      const { conversation, ...message } = payload as Message & { conversation?: ConversationSummary };
      return { type: 'done', message: message as Message, conversation };
    }
    case 'error':
      return { type: 'error', problem: (payload ?? {}) as ProblemDetails };
    default:
      // Unknown events are for newer clients.
      return null;
  }
}

/** ASP.NET's validation problems carry `errors: { field: [messages] }` and no detail. */
function validationSummary(problem: ProblemDetails | undefined): string | null {
  if (!problem?.errors || typeof problem.errors !== 'object') {
    return null;
  }
  const messages = Object.values(problem.errors).flat().filter((m): m is string => typeof m === 'string');
  return messages.length > 0 ? messages.join(' ') : null;
}

function retryAfter(header: string | null): number | undefined {
  if (!header) {
    return undefined;
  }
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds > 0) {
    return Math.ceil(seconds);
  }
  const date = Date.parse(header);
  if (Number.isNaN(date)) {
    return undefined;
  }
  const wait = Math.ceil((date - Date.now()) / 1000);
  return wait > 0 ? wait : undefined;
}

const LimitNames: Record<string, (value: number) => string> = {
  messagesPerMinute: (n) => `${n} messages per minute`,
  conversationsPerDay: (n) => `${n} new conversations per day`,
  tokensPerDay: (n) => `${n.toLocaleString()} model tokens per day`,
};

/**
 * A usage limit's 429 in the reader's own time: which limit, and when it resets (the server's detail gives UTC).
 * Null for any other problem.
 */
export function limitMessage(problem: ProblemDetails): string | null {
  const { limit, limitValue, resetsAt } = problem;
  if (typeof limit !== 'string' || typeof limitValue !== 'number') {
    return null;
  }
  if (limit === 'answersAtOnce') {
    return `You already have ${limitValue} ${limitValue === 1 ? 'answer' : 'answers'} being written, your limit. Wait for one to finish, then send again.`;
  }
  const name = LimitNames[limit];
  const at = typeof resetsAt === 'string' ? new Date(resetsAt) : null;
  if (!name || !at || Number.isNaN(at.getTime())) {
    return null;
  }
  const sameDay = at.toDateString() === new Date().toDateString();
  const when = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return `You've reached your limit of ${name(limitValue)}. You can send again ${sameDay ? 'at' : 'tomorrow at'} ${when}.`;
}

/** The user-facing text of an SSE `error` event. */
export function problemMessage(problem: ProblemDetails): string {
  return (typeof problem.detail === 'string' && problem.detail) || (typeof problem.title === 'string' && problem.title) || 'The model failed to answer.';
}
