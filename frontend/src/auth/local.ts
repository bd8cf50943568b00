import type { Auth } from './types';
import { session } from '../state/storage';

const UserKey = 'chatbot.devUser';
export const DefaultDevUser = 'local';
const ValidUser = /^[A-Za-z0-9._@+-]{1,64}$/;

/**
 * Local mode: no sign-in. The backend's development identity takes the user from the `X-ChatBot-User` header, so
 * switching the name here is how two users' isolation is tried by hand. Kept per tab in sessionStorage.
 */
export class LocalAuth implements Auth {
  readonly kind = 'local';

  get userName(): string {
    const stored = session.get(UserKey);
    return stored && ValidUser.test(stored) ? stored : DefaultDevUser;
  }

  /** Switches the development user; returns false (and keeps the old one) when the name can't be sent as a header. */
  setUser(name: string): boolean {
    const trimmed = name.trim();
    if (!ValidUser.test(trimmed)) {
      return false;
    }
    session.set(UserKey, trimmed);
    return true;
  }

  headers(): Promise<Record<string, string>> {
    return Promise.resolve({ 'X-ChatBot-User': this.userName });
  }

  signIn(): Promise<void> {
    return Promise.reject(new Error('The local server refused the request as unauthenticated. Is it running with Auth:Mode=Development?'));
  }

  signOut(): Promise<void> {
    return Promise.resolve();
  }
}

export function isValidDevUser(name: string): boolean {
  return ValidUser.test(name.trim());
}
