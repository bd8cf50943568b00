import type { Auth } from './types';
import { DefaultUserIdPattern, DefaultUserIdRule, type UserIdRule } from '../config';
import { session } from '../state/storage';

const UserKey = 'chatbot.devUser';
export const DefaultDevUser = 'local';

/**
 * Local mode: no sign-in. The backend's development identity takes the user from the `X-ChatBot-User` header, so
 * switching the name here is how two users' isolation is tried by hand. Kept per tab in sessionStorage.
 */
export class LocalAuth implements Auth {
  readonly kind = 'local';

  /** @param rule The server's user-id rule, from config.json. */
  constructor(readonly rule: UserIdRule = { pattern: new RegExp(DefaultUserIdPattern), description: DefaultUserIdRule }) {}

  get userName(): string {
    const stored = session.get(UserKey);
    return stored && this.isValid(stored) ? stored : DefaultDevUser;
  }

  /** Whether the server will accept this name (surrounding spaces aside). */
  isValid(name: string): boolean {
    return this.rule.pattern.test(name.trim());
  }

  /** Switches the development user; returns false (and keeps the old one) when the name can't be sent as a header. */
  setUser(name: string): boolean {
    const trimmed = name.trim();
    if (!this.isValid(trimmed)) {
      return false;
    }
    session.set(UserKey, trimmed);
    return true;
  }

  headers(): Promise<Record<string, string>> {
    return Promise.resolve({ 'X-ChatBot-User': this.userName });
  }

  /** Nothing to sign in to locally: the list shows the server's reason for a 401 (a user name it refuses). */
  signIn(): Promise<void> {
    return Promise.resolve();
  }

  signOut(): Promise<void> {
    return Promise.resolve();
  }
}
