import { session } from './storage';

/**
 * Unsent text, per conversation ("new" before the conversation exists), kept in sessionStorage so it survives a reload
 * and the redirect to sign in again after a 401. Never in localStorage: it may be sensitive.
 */
const Prefix = 'chatbot.draft.';

export const NewConversationKey = 'new';

export function draftKey(conversationId: string | null): string {
  return conversationId ?? NewConversationKey;
}

export function loadDraft(key: string): string {
  return session.get(Prefix + key) ?? '';
}

export function saveDraft(key: string, text: string): void {
  if (text.length === 0) {
    session.remove(Prefix + key);
  } else {
    session.set(Prefix + key, text);
  }
}

export function clearDraft(key: string): void {
  session.remove(Prefix + key);
}

/** Forgets every draft: on sign-out, so the next person at this browser tab does not see them. */
export function clearAllDrafts(): void {
  try {
    for (const key of Object.keys(sessionStorage)) {
      if (key.startsWith(Prefix)) {
        sessionStorage.removeItem(key);
      }
    }
  } catch {
    // Storage unavailable: there are no drafts either.
  }
}
