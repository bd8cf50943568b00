import { describe, expect, it } from 'vitest';
import { ConfigError, DefaultUserIdPattern, DefaultUserIdRule, loadConfig, parseConfig } from './config';

const defaultUserIds = { pattern: new RegExp(DefaultUserIdPattern), description: DefaultUserIdRule };

describe('parseConfig', () => {
  it('reads the message size limit the API sends, and refuses one that is not a positive whole number', () => {
    expect(parseConfig({ mode: 'local', maxMessageBytes: 2048 })).toMatchObject({ maxMessageBytes: 2048 });
    expect(() => parseConfig({ mode: 'local', maxMessageBytes: '2048' })).toThrow(/maxMessageBytes/);
    expect(() => parseConfig({ mode: 'local', maxMessageBytes: 0 })).toThrow(/maxMessageBytes/);
  });

  it('reads local mode', () => {
    expect(parseConfig({ mode: 'local', apiBasePath: '/api' })).toEqual({ mode: 'local', apiBasePath: '/api', maxMessageBytes: 16384, userIds: defaultUserIds });
  });

  it("takes the server's user-id rule in local mode", () => {
    const config = parseConfig({ mode: 'local', userIdPattern: '^[a-z+]{1,5}$', userIdRule: '1–5 small letters or +' });
    expect(config.mode === 'local' && config.userIds.description).toBe('1–5 small letters or +');
    expect(config.mode === 'local' && config.userIds.pattern.test('a+b')).toBe(true);
    expect(config.mode === 'local' && config.userIds.pattern.test('abcdef')).toBe(false);
  });

  it('accepts alice+test with the default rule, as the server does', () => {
    expect(defaultUserIds.pattern.test('alice+test')).toBe(true);
    expect(defaultUserIds.pattern.test('a'.repeat(129))).toBe(false);
    expect(defaultUserIds.pattern.test('a#b')).toBe(false);
  });

  it('derives the Cognito issuer from region and user pool', () => {
    const config = parseConfig({
      region: 'eu-west-1',
      userPoolId: 'eu-west-1_AbC123',
      userPoolClientId: 'client123',
      cognitoDomain: 'https://chatbot.auth.eu-west-1.amazoncognito.com/',
      apiBasePath: '/api/',
    });
    expect(config).toEqual({
      mode: 'cognito',
      apiBasePath: '/api',
      maxMessageBytes: 16384,
      clientId: 'client123',
      authority: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123',
      cognitoDomain: 'https://chatbot.auth.eu-west-1.amazoncognito.com',
      scope: 'openid email profile',
    });
  });

  it('reads exactly the config.json the CDK stack writes, asking for the openid scope the API requires', () => {
    // The shape of infra/ChatBot.Infra/SiteContent.cs (checked there by WebsiteTests.ConfigJson_*): these five keys, no more.
    const written = {
      region: 'us-west-2',
      userPoolId: 'us-west-2_AbC123',
      userPoolClientId: 'client123',
      cognitoDomain: 'https://chatbot-123456789012.auth.us-west-2.amazoncognito.com',
      apiBasePath: '/api',
    };
    const config = parseConfig(written);
    expect(config).toEqual({
      mode: 'cognito',
      apiBasePath: '/api',
      maxMessageBytes: 16384,
      clientId: 'client123',
      authority: 'https://cognito-idp.us-west-2.amazonaws.com/us-west-2_AbC123',
      cognitoDomain: 'https://chatbot-123456789012.auth.us-west-2.amazoncognito.com',
      scope: 'openid email profile',
    });
    expect(config.mode === 'cognito' && config.scope.split(' ')).toContain('openid');
  });

  it('accepts a local OIDC provider for tests', () => {
    const config = parseConfig({ userPoolClientId: 'c', oidcAuthority: 'http://127.0.0.1:5999', oidcScope: 'openid' });
    expect(config).toMatchObject({ mode: 'cognito', authority: 'http://127.0.0.1:5999', cognitoDomain: null, scope: 'openid' });
  });

  it.each([
    [{ region: 'eu-west-1', userPoolId: 'p' }, /userPoolClientId/],
    [{ userPoolClientId: 'c', userPoolId: 'p' }, /region/],
    [{ userPoolClientId: 'c', oidcAuthority: 'http://evil.example' }, /https/],
    [{ userPoolClientId: 'c', region: 'r', userPoolId: 'p', cognitoDomain: 'javascript:alert(1)' }, /https/],
    [{ userPoolClientId: 'c', region: 'r', userPoolId: 'p', cognitoDomain: 'chatbot.auth.r.amazoncognito.com' }, /absolute URL/],
    [{ userPoolClientId: 'c', oidcAuthority: 'http://127.0.0.1:5999', oidcScope: 'email profile' }, /without "openid"/],
    [{ mode: 'local', apiBasePath: 'https://elsewhere.example/api' }, /same-origin/],
    [{ mode: 'local', apiBasePath: '//elsewhere.example/api' }, /same-origin/],
    [{ mode: 'other' }, /unknown mode/],
    [{ mode: 'local', userIdPattern: '[' }, /userIdPattern/],
    [[], /object/],
  ])('rejects %j with a message naming the problem', (raw, message) => {
    expect(() => parseConfig(raw)).toThrow(ConfigError);
    expect(() => parseConfig(raw)).toThrow(message);
  });
});

describe('loadConfig', () => {
  it('falls back to local mode when the server has no config.json', async () => {
    const config = await loadConfig(() => Promise.resolve(new Response('', { status: 404 })));
    expect(config).toEqual({ mode: 'local', apiBasePath: '/api', maxMessageBytes: 16384, userIds: defaultUserIds });
  });

  it('explains an unreachable server', async () => {
    await expect(loadConfig(() => Promise.reject(new TypeError('Failed to fetch')))).rejects.toThrow(/could not be reached/);
  });
});
