import { afterEach, describe, expect, it } from 'vitest';
import type { CognitoConfig } from '../config';
import { cognitoLogoutUrl, createUserManager } from './cognito';

const config: CognitoConfig = {
  mode: 'cognito',
  apiBasePath: '/api',
  clientId: 'client123',
  authority: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123',
  cognitoDomain: 'https://chatbot.auth.eu-west-1.amazoncognito.com',
  scope: 'openid email profile',
};

afterEach(() => {
  sessionStorage.clear();
  localStorage.clear();
});

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

  it('signs out at Cognito and comes back to the app', () => {
    const url = new URL(cognitoLogoutUrl(config.cognitoDomain!, config.clientId, 'https://chat.example.com'));
    expect(url.origin + url.pathname).toBe('https://chatbot.auth.eu-west-1.amazoncognito.com/logout');
    expect(url.searchParams.get('client_id')).toBe('client123');
    expect(url.searchParams.get('logout_uri')).toBe('https://chat.example.com/');
  });
});
