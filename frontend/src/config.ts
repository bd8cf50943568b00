/**
 * Runtime configuration, read from `/config.json` so one build serves any stack.
 *
 * Local mode (the backend in development):  { "mode": "local", "apiBasePath": "/api", "userIdPattern", "userIdRule" }
 * Deployed mode (written by the CDK stack): { "region", "userPoolId", "userPoolClientId", "cognitoDomain", "apiBasePath" }
 *
 * Deployed mode also accepts two optional keys so the sign-in flow can be tested against a local OIDC provider:
 * `oidcAuthority` (replaces the Cognito issuer URL derived from region and pool) and `oidcScope`.
 */

/** The largest message the API accepts, in UTF-8 bytes, when config.json does not say (the API's default Chat:MaxMessageBytes). */
export const DefaultMaxMessageBytes = 16 * 1024;

export interface LocalConfig {
  mode: 'local';
  apiBasePath: string;
  /** The largest message the API accepts, in UTF-8 bytes (`maxMessageBytes` in config.json). */
  maxMessageBytes: number;
  /** The server's one user-id rule (src/ChatBot.Api/Identity/UserIds.cs), which the user switcher applies before sending. */
  userIds: UserIdRule;
}

export interface UserIdRule {
  pattern: RegExp;
  /** The rule in words, shown when a name doesn't fit. */
  description: string;
}

/**
 * The rule for a server too old to send it in config.json. The API tests keep these two strings equal to the server's
 * (UserIdRuleTests), so both ends of a current install always agree.
 */
export const DefaultUserIdPattern = '^[A-Za-z0-9._@+-]{1,128}$';
export const DefaultUserIdRule = '1–128 letters, digits, or . _ @ + -';

export interface CognitoConfig {
  mode: 'cognito';
  apiBasePath: string;
  maxMessageBytes: number;
  clientId: string;
  /** The OIDC issuer; discovery is read from `{authority}/.well-known/openid-configuration`. */
  authority: string;
  /** The hosted UI domain, used for sign-out (Cognito's discovery document has no end_session_endpoint). */
  cognitoDomain: string | null;
  scope: string;
}

export type AppConfig = LocalConfig | CognitoConfig;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The API accepts only access tokens with the `openid` scope (infra/ChatBot.Infra/ChatApi.cs), so every scope asks for it. */
const RequiredScope = 'openid';
const DefaultScope = 'openid email profile';

export async function loadConfig(fetcher: typeof fetch = fetch): Promise<AppConfig> {
  let response: Response;
  try {
    response = await fetcher('/config.json', { headers: { Accept: 'application/json' }, cache: 'no-store' });
  } catch {
    throw new ConfigError('ChatBot could not be reached to load its configuration. Check your connection and try again.');
  }

  if (response.status === 404) {
    // A backend without config.json is a local development server from before config.json existed.
    return { mode: 'local', apiBasePath: '/api', maxMessageBytes: DefaultMaxMessageBytes, userIds: userIdRule({}) };
  }

  if (!response.ok) {
    throw new ConfigError(`Loading /config.json failed with HTTP ${response.status}.`);
  }

  let raw: unknown;
  try {
    raw = await response.json();
  } catch {
    throw new ConfigError('/config.json is not valid JSON.');
  }

  return parseConfig(raw);
}

export function parseConfig(raw: unknown): AppConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError('/config.json must be a JSON object.');
  }

  const value = raw as Record<string, unknown>;
  const apiBasePath = normalizeBasePath(optionalString(value, 'apiBasePath') ?? '/api');
  const maxMessageBytes = optionalPositiveInteger(value, 'maxMessageBytes') ?? DefaultMaxMessageBytes;

  if (value.mode === 'local') {
    return { mode: 'local', apiBasePath, maxMessageBytes, userIds: userIdRule(value) };
  }

  if (value.mode !== undefined && value.mode !== 'cognito') {
    throw new ConfigError(`/config.json has an unknown mode "${String(value.mode)}"; use "local" or leave it out for Cognito.`);
  }

  const clientId = requiredString(value, 'userPoolClientId');
  const authorityOverride = optionalString(value, 'oidcAuthority');
  let authority: string;
  if (authorityOverride) {
    authority = checkUrl(authorityOverride, 'oidcAuthority');
  } else {
    const region = requiredString(value, 'region');
    const userPoolId = requiredString(value, 'userPoolId');
    if (!/^[a-z0-9-]+$/.test(region)) {
      throw new ConfigError(`/config.json has an invalid region "${region}".`);
    }
    authority = `https://cognito-idp.${region}.amazonaws.com/${encodeURIComponent(userPoolId)}`;
  }

  const domain = optionalString(value, 'cognitoDomain');
  const scope = optionalString(value, 'oidcScope') ?? DefaultScope;
  if (!scope.split(/\s+/).includes(RequiredScope)) {
    throw new ConfigError(`/config.json has "oidcScope" without "${RequiredScope}": the API accepts only access tokens with that scope.`);
  }
  return {
    mode: 'cognito',
    apiBasePath,
    maxMessageBytes,
    clientId,
    authority: authority.replace(/\/+$/, ''),
    cognitoDomain: domain ? checkUrl(domain, 'cognitoDomain').replace(/\/+$/, '') : null,
    scope,
  };
}

function userIdRule(value: Record<string, unknown>): UserIdRule {
  const source = optionalString(value, 'userIdPattern') ?? DefaultUserIdPattern;
  let pattern: RegExp;
  try {
    pattern = new RegExp(source);
  } catch {
    throw new ConfigError('/config.json has a "userIdPattern" that is not a regular expression.');
  }
  return { pattern, description: optionalString(value, 'userIdRule') ?? DefaultUserIdRule };
}

function requiredString(value: Record<string, unknown>, key: string): string {
  const found = optionalString(value, key);
  if (!found) {
    throw new ConfigError(`/config.json is missing "${key}". Redeploy the stack so it writes a complete config.json.`);
  }
  return found;
}

function optionalPositiveInteger(value: Record<string, unknown>, key: string): number | undefined {
  const found = value[key];
  if (found === undefined || found === null) {
    return undefined;
  }
  if (typeof found !== 'number' || !Number.isInteger(found) || found < 1) {
    throw new ConfigError(`/config.json has "${key}" that is not a positive whole number.`);
  }
  return found;
}

function optionalString(value: Record<string, unknown>, key: string): string | undefined {
  const found = value[key];
  if (found === undefined || found === null || found === '') {
    return undefined;
  }
  if (typeof found !== 'string') {
    throw new ConfigError(`/config.json has "${key}" that is not a string.`);
  }
  return found.trim();
}

/** Identity endpoints must use HTTPS; plain HTTP is allowed only on loopback, for tests against a local provider. */
function checkUrl(url: string, key: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`/config.json has "${key}" that is not an absolute URL.`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw new ConfigError(`/config.json has "${key}" that is not an https:// URL.`);
  }
  return url;
}

function normalizeBasePath(path: string): string {
  if (!path.startsWith('/') || path.startsWith('//')) {
    throw new ConfigError('/config.json has "apiBasePath" that is not a same-origin path such as "/api".');
  }
  return path.replace(/\/+$/, '');
}
