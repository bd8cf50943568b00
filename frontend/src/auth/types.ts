/** Who is calling the API, and how to ask them to prove it again. */
export interface Auth {
  readonly kind: 'local' | 'cognito';
  /** Display name of the signed-in (or development) user. */
  readonly userName: string;
  /** Headers that identify the caller to the API; may renew tokens first. */
  headers(): Promise<Record<string, string>>;
  /**
   * Sends the user to sign in again and back to `returnTo` (a location hash) afterwards. In deployed mode the page
   * navigates away, so the returned promise never settles; it rejects when signing in again would only loop.
   */
  signIn(returnTo: string): Promise<void>;
  signOut(): Promise<void>;
}
