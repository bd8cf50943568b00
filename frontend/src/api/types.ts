/** The HTTP API's shapes (the contract is in the README's API table). */

export interface ConversationSummary {
  id: string;
  /** Null until the user names the conversation or its first message does. */
  title: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ConversationPage {
  items: ConversationSummary[];
  nextCursor: string | null;
}

export type MessageRole = 'user' | 'assistant';

/** `stopped`: the user stopped the answer. `failed`: the model failed part-way. Both keep what was written. */
export type MessageStatus = 'complete' | 'stopped' | 'failed';

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface Message {
  id: string;
  role: MessageRole;
  content: string;
  createdAt: string;
  status: MessageStatus;
  usage?: TokenUsage | null;
}

export interface Conversation extends ConversationSummary {
  messages: Message[];
}

/** RFC 7807 problem details, as every API error is returned. */
export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: Record<string, string[]>;
  [key: string]: unknown;
}

/** What a streamed turn yields, in order: `user`, any number of `delta`, then `done` or `error`. */
export type TurnEvent =
  | { type: 'user'; message: Message }
  | { type: 'delta'; text: string }
  /** `conversation`: the conversation as the server left it (the title it made from the first message, its activity time). */
  | { type: 'done'; message: Message; conversation?: ConversationSummary }
  | { type: 'error'; problem: ProblemDetails };

// Search, export and delete-all.

/** A conversation that matched a search: `snippet.text` around the first match, `highlights` the matched parts (UTF-16 offsets). */
export interface SearchResult extends ConversationSummary {
  snippet: { field: 'title' | 'message'; messageId: string | null; text: string; highlights: { start: number; length: number }[] };
}

export interface SearchPage {
  items: SearchResult[];
  nextCursor: string | null;
}

export type ExportFormat = 'markdown' | 'json';

/** A user's limits (GET /api/me/usage, and the admin routes). */
export interface UserLimits {
  answersAtOnce: number;
  messagesPerMinute: number;
  conversationsPerDay: number;
  tokensPerDay: number;
}

/** One day of usage (UTC), the user's own or, in the admin view's `daily`, everyone's. */
export interface UsageDay {
  day: string;
  turns: number;
  inputTokens: number;
  outputTokens: number;
  errors: number;
  conversations: number;
}

export interface MyUsage {
  limits: UserLimits;
  tokensToday: number;
  remainingTokensToday: number;
  isAdmin: boolean;
  days: UsageDay[];
}

export interface AdminUsage {
  from: string;
  to: string;
  users: (UsageDay & { userId: string; models: string[] })[];
  daily: UsageDay[];
  models: { model: string; inputTokens: number; outputTokens: number; estimatedCostUsd: number | null }[];
}
