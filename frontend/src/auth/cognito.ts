import { UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';
import type { CognitoConfig } from '../config';
import { clearAllDrafts } from '../state/drafts';
import { session } from '../state/storage';
import type { Auth } from './types';

/**
 * Deployed mode: Cognito's hosted UI with the OIDC authorization code flow and PKCE (oidc-client-ts). This module is
 * loaded only in deployed mode, so local mode never downloads it.
 *
 * Tokens and the sign-in state live in sessionStorage, never localStorage: they end with the tab, and other tabs and
 * long-lived storage never see them.
 */

const SignedOutKey = 'chatbot.signedOut';
const LastRedirectKey = 'chatbot.lastSignInRedirect';
/** A second 401 this soon after signing in means the API rejects the token itself: redirecting again would loop. */
const RedirectLoopWindowMs = 15_000;

export interface CognitoStart {
  auth: CognitoAuth;
  /** The hash to return to after a sign-in redirect. */
  returnTo: string | null;
}

interface SignInState {
  returnTo?: string;
}

export function createUserManager(config: CognitoConfig, origin: string = location.origin): UserManager {
  const store = new WebStorageStateStore({ store: sessionStorage });
  return new UserManager({
    authority: config.authority,
    client_id: config.clientId,
    redirect_uri: `${origin}/`,
    post_logout_redirect_uri: `${origin}/`,
    response_type: 'code',
    scope: config.scope,
    userStore: store,
    // The default state store is localStorage.
    stateStore: store,
    // Renews with the refresh token shortly before the tokens expire.
    automaticSilentRenew: true,
    // Cognito has no check_session_iframe, and the ID token already has the claims the app shows.
    monitorSession: false,
    loadUserInfo: false,
  });
}

/** Cognito's discovery document has no end_session_endpoint; its hosted UI signs out at `/logout`. */
export function cognitoLogoutUrl(cognitoDomain: string, clientId: string, origin: string): string {
  const query = new URLSearchParams({ client_id: clientId, logout_uri: `${origin}/` });
  return `${cognitoDomain}/logout?${query}`;
}

export class CognitoAuth implements Auth {
  readonly kind = 'cognito';
  private _user: User | null;
  private _redirecting = false;

  constructor(
    private readonly _manager: UserManager,
    private readonly _config: CognitoConfig,
    user: User | null,
  ) {
    this._user = user;
    _manager.events.addUserLoaded((loaded) => {
      this._user = loaded;
    });
    _manager.events.addUserUnloaded(() => {
      this._user = null;
    });
  }

  get userName(): string {
    const profile = this._user?.profile;
    return (profile?.email as string | undefined) ?? profile?.preferred_username ?? (profile?.['cognito:username'] as string | undefined) ?? profile?.sub ?? '';
  }

  get signedIn(): boolean {
    return this._user !== null && !this._user.expired;
  }

  async headers(): Promise<Record<string, string>> {
    let user = this._user;
    if (!user || user.expired) {
      user = await this._renew();
    }
    // The API's methods require the openid scope (infra/ChatBot.Infra/ChatApi.cs). With scopes set, API Gateway's
    // Cognito authorizer accepts only an access token carrying one of them, and rejects the ID token (it has no scope
    // claim), so the access token is the bearer token.
    const token = user?.access_token;
    return token ? { Authorization: `Bearer ${token}` } : {};
  }

  /** After a 401: sign in again, unless that only just happened (then the API rejects the token itself). */
  async signIn(returnTo: string): Promise<void> {
    const last = Number(session.get(LastRedirectKey) ?? 0);
    if (Date.now() - last < RedirectLoopWindowMs) {
      throw new Error('You signed in, but ChatBot still does not accept your session. Sign out and sign in again, or contact the administrator.');
    }
    session.set(LastRedirectKey, String(Date.now()));
    return this._redirect(returnTo);
  }

  /** The user asked to sign in (or has no session yet). */
  startSignIn(returnTo: string): Promise<void> {
    session.remove(LastRedirectKey);
    return this._redirect(returnTo);
  }

  private async _redirect(returnTo: string): Promise<void> {
    if (!this._redirecting) {
      this._redirecting = true;
      session.remove(SignedOutKey);
      await this._manager.removeUser();
      await this._manager.signinRedirect({ state: { returnTo } satisfies SignInState });
    }
    // The page is navigating away.
    return new Promise(() => undefined);
  }

  async signOut(): Promise<void> {
    session.set(SignedOutKey, '1');
    session.remove(LastRedirectKey);
    clearAllDrafts();
    try {
      // Where the provider lists a revocation endpoint, the refresh token stops working at once.
      await this._manager.revokeTokens(['refresh_token']);
    } catch {
      // Cognito's discovery does not list one; its /logout below ends the hosted-UI session instead.
    }
    await this._manager.removeUser();
    this._user = null;
    if (this._config.cognitoDomain) {
      location.assign(cognitoLogoutUrl(this._config.cognitoDomain, this._config.clientId, location.origin));
    } else {
      try {
        await this._manager.signoutRedirect();
      } catch {
        location.assign(`${location.origin}/`);
      }
    }
  }

  private async _renew(): Promise<User | null> {
    try {
      return await this._manager.signinSilent();
    } catch {
      return null;
    }
  }
}

export type StartResult =
  | { kind: 'signed-in'; auth: CognitoAuth; returnTo: string | null }
  | { kind: 'signed-out'; signIn: () => Promise<void> }
  | { kind: 'redirecting' };

/**
 * Finishes a sign-in redirect if this page load is one, or finds the session in sessionStorage, or renews it with the
 * refresh token. Without a session it sends the user to the hosted UI, except right after signing out.
 */
export async function startCognito(config: CognitoConfig): Promise<StartResult> {
  const manager = createUserManager(config);
  const url = new URL(location.href);

  if (url.searchParams.has('code') || url.searchParams.has('error')) {
    const description = url.searchParams.get('error_description') ?? url.searchParams.get('error');
    // The code is single-use; keep it out of the address bar and history either way.
    history.replaceState(null, '', `${url.pathname}${url.hash}`);
    if (url.searchParams.has('error')) {
      throw new Error(`Sign-in did not complete: ${description}`);
    }
    const user = await manager.signinRedirectCallback(url.href);
    const returnTo = (user.state as SignInState | undefined)?.returnTo ?? null;
    return { kind: 'signed-in', auth: new CognitoAuth(manager, config, user), returnTo };
  }

  let user = await manager.getUser();
  if (user?.expired) {
    user = await manager.signinSilent().catch(() => null);
  }
  if (user && !user.expired) {
    return { kind: 'signed-in', auth: new CognitoAuth(manager, config, user), returnTo: null };
  }

  const auth = new CognitoAuth(manager, config, null);
  if (session.get(SignedOutKey)) {
    return { kind: 'signed-out', signIn: () => auth.startSignIn(location.hash) };
  }
  void auth.startSignIn(location.hash);
  return { kind: 'redirecting' };
}
