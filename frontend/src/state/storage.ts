/**
 * sessionStorage that never throws: it is unavailable in some private modes and when storage is disabled, and the
 * app must still work (it only loses drafts and settings across reloads).
 */
export const session = {
  get(key: string): string | null {
    try {
      return sessionStorage.getItem(key);
    } catch {
      return null;
    }
  },
  set(key: string, value: string): void {
    try {
      sessionStorage.setItem(key, value);
    } catch {
      // Full or unavailable: nothing sensible to do.
    }
  },
  remove(key: string): void {
    try {
      sessionStorage.removeItem(key);
    } catch {
      // Unavailable: nothing was stored either.
    }
  },
};
