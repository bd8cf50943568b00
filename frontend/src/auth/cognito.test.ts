import { User, type IdTokenClaims } from 'oidc-client-ts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CognitoConfig } from '../config';
import { CognitoAuth, cognitoLogoutUrl, createUserManager } from './cognito';

const config: CognitoConfig = {
  mode: 'cognito',
  apiBasePath: '/api',
  maxMessageBytes: 16384,
  clientId: 'client123',
  authority: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123',
  cognitoDomain: 'https://chatbot.auth.eu-west-1.amazoncognito.com',
  scope: 'openid email profile',
};

afterEach(() => {
  sessionStorage.clear();
  localStorage.clear();
  vi.restoreAllMocks();
});

function signedInUser(tokens: { access: string; id: string }, expiresInSeconds = 3600): User {
  const now = Math.floor(Date.now() / 1000);
  const profile = { iss: config.authority, aud: config.clientId, sub: 'user-1', iat: now, exp: now + expiresInSeconds } as IdTokenClaims;
  return new User({
    access_token: tokens.access,
    id_token: tokens.id,
    token_type: 'Bearer',
    scope: config.scope,
    profile,
    expires_at: now + expiresInSeconds,
  });
}

describe('Cognito sign-in', () => {
  it('uses the code flow with PKCE, back to the app root, renewing silently', () => {
    const settings = createUserManager(config, 'https://chat.example.com').settings;
    expect(settings.authority).toBe(config.authority);
    expect(settings.client_id).toBe('client123');
    expect(settings.response_type).toBe('code');
    expect(settings.disablePKCE).toBe(false);
    expect(settings.redirect_uri).toBe('https://chat.example.com/');
    expect(settings.automaticSilentRenew).toBe(true);
  });

  it('keeps tokens and sign-in state in sessionStorage, never localStorage', async () => {
    const manager = createUserManager(config);
    await manager.settings.userStore.set('user', 'token');
    await manager.settings.stateStore.set('state', 'pkce');
    expect(localStorage.length).toBe(0);
    expect(sessionStorage.length).toBe(2);
  });

  it('sends the access token, which the API gateway checks for the openid scope, never the ID token', async () => {
    const auth = new CognitoAuth(createUserManager(config), config, signedInUser({ access: 'access.jwt', id: 'id.jwt' }));
    expect(await auth.headers()).toEqual({ Authorization: 'Bearer access.jwt' });
  });

  it('renews an expired session and sends the renewed access token', async () => {
    const manager = createUserManager(config);
    const renewed = signedInUser({ access: 'renewed-access.jwt', id: 'renewed-id.jwt' });
    const signinSilent = vi.spyOn(manager, 'signinSilent').mockResolvedValue(renewed);
    const auth = new CognitoAuth(manager, config, signedInUser({ access: 'old-access.jwt', id: 'old-id.jwt' }, -60));

    expect(await auth.headers()).toEqual({ Authorization: 'Bearer renewed-access.jwt' });
    expect(signinSilent).toHaveBeenCalledOnce();
  });

  it('sends no Authorization header when the session cannot be renewed', async () => {
    const manager = createUserManager(config);
    vi.spyOn(manager, 'signinSilent').mockRejectedValue(new Error('login_required'));
    const auth = new CognitoAuth(manager, config, null);

    expect(await auth.headers()).toEqual({});
  });

  it('signs out at Cognito and comes back to the app', () => {
    const url = new URL(cognitoLogoutUrl(config.cognitoDomain!, config.clientId, 'https://chat.example.com'));
    expect(url.origin + url.pathname).toBe('https://chatbot.auth.eu-west-1.amazoncognito.com/logout');
    expect(url.searchParams.get('client_id')).toBe('client123');
    expect(url.searchParams.get('logout_uri')).toBe('https://chat.example.com/');
  });
});
