// A stand-in for the ChatBot API, for working on the web app without the .NET backend:
//   npm run build && npm run mock        then open http://127.0.0.1:5173
// It serves dist/ and an in-memory /api with the real contract, streaming a canned Markdown answer word by word.
// Per-user data follows the X-ChatBot-User header, as in the backend's development mode. Loopback only.
//
// MOCK_AUTH=oidc switches to deployed mode against a tiny OIDC provider at /oidc (discovery, authorize with a
// "sign in as" form, token with PKCE and refresh tokens, and a Cognito-style /logout). The API then wants the ID token
// as a bearer token, and `curl -X POST /oidc/revoke-all` makes every issued token fail with 401.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';

const port = Number(process.env.PORT ?? 5173);
const dist = new URL('../dist/', import.meta.url).pathname;
const users = new Map();

const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

const answer = [
  'Here is a short example in **TypeScript**:',
  '',
  '```ts',
  'export function greet(name: string): string {',
  '  // Template literals keep it readable.',
  '  return `Hello, ${name}!`;',
  '}',
  '```',
  '',
  'Some notes:',
  '',
  '1. It is *pure*: no side effects.',
  '2. See [the handbook](https://www.typescriptlang.org/docs/) for more.',
  '',
  '| Input | Output |',
  '|---|---|',
  '| `"Ada"` | `Hello, Ada!` |',
  '',
  'And a payload that must stay inert: <img src=x onerror=alert(1)> [bad](javascript:alert(1))',
].join('\n');

const now = () => new Date().toISOString();
const id = () => randomUUID().replace(/-/g, '');

const oidcMode = process.env.MOCK_AUTH === 'oidc';
const origin = `http://127.0.0.1:${port}`;
const issuer = `${origin}/oidc`;
const clientId = 'mock-client';
const codes = new Map();
const tokens = new Map();
const refreshTokens = new Map();
const tokenLifetimeSeconds = Number(process.env.MOCK_TOKEN_SECONDS ?? 300);

const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function issueTokens(user, nonce) {
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: issuer, aud: clientId, sub: user, email: `${user}@example.com`, iat: now, exp: now + tokenLifetimeSeconds, token_use: 'id' };
  if (nonce) {
    claims.nonce = nonce;
  }
  // Unsigned-looking but well-formed: the browser client reads claims and does not verify signatures.
  const idToken = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(claims)}.${b64url('mock-signature')}`;
  const refreshToken = randomUUID();
  tokens.set(idToken, user);
  refreshTokens.set(refreshToken, user);
  return { id_token: idToken, access_token: idToken, refresh_token: refreshToken, token_type: 'Bearer', expires_in: tokenLifetimeSeconds };
}

async function readForm(req) {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
  }
  return new URLSearchParams(text);
}

async function oidc(req, res, path, url) {
  if (path === '/oidc/.well-known/openid-configuration') {
    return send(res, 200, {
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      code_challenge_methods_supported: ['S256'],
    });
  }
  if (path === '/oidc/jwks') {
    return send(res, 200, { keys: [] });
  }
  if (path === '/oidc/authorize' && req.method === 'GET') {
    const q = url.searchParams;
    if (q.get('client_id') !== clientId || q.get('code_challenge_method') !== 'S256') {
      return problem(res, 400, 'Bad authorize request', 'Wrong client_id or no PKCE.');
    }
    const hidden = ['redirect_uri', 'state', 'nonce', 'code_challenge']
      .map((k) => `<input type="hidden" name="${k}" value="${(q.get(k) ?? '').replace(/"/g, '&quot;')}">`)
      .join('');
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>Mock sign-in</title><form method="post" action="/oidc/authorize">${hidden}
      <label>Sign in as <input name="username" value="alice"></label> <button>Sign in</button></form>`);
    return;
  }
  if (path === '/oidc/authorize' && req.method === 'POST') {
    const form = await readForm(req);
    const code = randomUUID();
    codes.set(code, { user: form.get('username') || 'alice', nonce: form.get('nonce'), challenge: form.get('code_challenge'), redirect: form.get('redirect_uri') });
    const target = new URL(form.get('redirect_uri'));
    target.searchParams.set('code', code);
    target.searchParams.set('state', form.get('state'));
    res.writeHead(302, { Location: target.href }).end();
    return;
  }
  if (path === '/oidc/token' && req.method === 'POST') {
    const form = await readForm(req);
    if (form.get('grant_type') === 'authorization_code') {
      const grant = codes.get(form.get('code'));
      codes.delete(form.get('code'));
      const verifier = form.get('code_verifier') ?? '';
      if (!grant || createHash('sha256').update(verifier).digest('base64url') !== grant.challenge || form.get('redirect_uri') !== grant.redirect) {
        return send(res, 400, { error: 'invalid_grant' });
      }
      return send(res, 200, issueTokens(grant.user, grant.nonce));
    }
    if (form.get('grant_type') === 'refresh_token') {
      const user = refreshTokens.get(form.get('refresh_token'));
      return user ? send(res, 200, issueTokens(user)) : send(res, 400, { error: 'invalid_grant' });
    }
    return send(res, 400, { error: 'unsupported_grant_type' });
  }
  if (path === '/oidc/logout') {
    res.writeHead(302, { Location: url.searchParams.get('logout_uri') ?? '/' }).end();
    return;
  }
  if (path === '/oidc/revoke-all' && req.method === 'POST') {
    tokens.clear();
    refreshTokens.clear();
    return send(res, 200, { revoked: true });
  }
  return problem(res, 404, 'Not Found', path);
}

function store(req) {
  let user = req.headers['x-chatbot-user'] || 'local';
  if (oidcMode) {
    user = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
    if (!user) {
      return null;
    }
  }
  if (!users.has(user)) {
    users.set(user, new Map());
  }
  return users.get(user);
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

function problem(res, status, title, detail) {
  res.writeHead(status, { 'Content-Type': 'application/problem+json' });
  res.end(JSON.stringify({ type: 'about:blank', title, status, detail }));
}

async function readJson(req) {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
  }
  try {
    return JSON.parse(text || '{}');
  } catch {
    return null;
  }
}

const summary = ({ id, title, createdAt, updatedAt }) => ({ id, title, createdAt, updatedAt });

async function api(req, res, path) {
  const conversations = store(req);
  const url = new URL(req.url, 'http://localhost');
  let match;

  if (path === '/api/health') {
    return send(res, 200, { status: 'ok' });
  }
  if (!conversations) {
    return problem(res, 401, 'Unauthorized', 'Sign in again.');
  }
  if (path === '/api/conversations' && req.method === 'GET') {
    const all = [...conversations.values()].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    const limit = Number(url.searchParams.get('limit') ?? 20);
    const start = Number(url.searchParams.get('cursor') ?? 0);
    const items = all.slice(start, start + limit).map(summary);
    return send(res, 200, { items, nextCursor: start + limit < all.length ? String(start + limit) : null });
  }
  if (path === '/api/conversations' && req.method === 'POST') {
    const body = await readJson(req);
    const c = { id: id(), title: body?.title ?? null, createdAt: now(), updatedAt: now(), messages: [] };
    conversations.set(c.id, c);
    return send(res, 201, summary(c), { Location: `/api/conversations/${c.id}` });
  }
  if ((match = /^\/api\/conversations\/([0-9a-f]{32})$/.exec(path))) {
    const c = conversations.get(match[1]);
    if (!c) {
      return problem(res, 404, 'Not Found', 'The conversation does not exist.');
    }
    if (req.method === 'GET') {
      return send(res, 200, c);
    }
    if (req.method === 'PATCH') {
      const body = await readJson(req);
      if (typeof body?.title !== 'string' || !body.title.trim()) {
        return problem(res, 400, 'Invalid title', 'The title must not be empty.');
      }
      c.title = body.title.trim();
      c.updatedAt = now();
      return send(res, 200, summary(c));
    }
    if (req.method === 'DELETE') {
      conversations.delete(c.id);
      res.writeHead(204).end();
      return;
    }
  }
  if ((match = /^\/api\/conversations\/([0-9a-f]{32})\/messages$/.exec(path)) && req.method === 'POST') {
    const c = conversations.get(match[1]);
    if (!c) {
      return problem(res, 404, 'Not Found', 'The conversation does not exist.');
    }
    const body = await readJson(req);
    if (typeof body?.content !== 'string' || !body.content.trim()) {
      return problem(res, 400, 'Invalid message', 'The message must not be empty.');
    }
    const user = { id: id(), role: 'user', content: body.content, createdAt: now(), status: 'complete' };
    c.messages.push(user);
    c.title ??= body.content.split('\n')[0].slice(0, 60);
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    res.write(`event: user\ndata: ${JSON.stringify(user)}\n\n`);
    const assistant = { id: id(), role: 'assistant', content: '', createdAt: now(), status: 'complete' };
    let stopped = false;
    res.on('close', () => (stopped = true));
    const text = body.content.includes('fail') ? answer.slice(0, 80) : answer;
    for (const word of text.split(/(?<=\s)/)) {
      if (stopped) {
        break;
      }
      assistant.content += word;
      res.write(`event: delta\ndata: ${JSON.stringify({ text: word })}\n\n`);
      await new Promise((r) => setTimeout(r, 40));
    }
    if (stopped) {
      assistant.status = 'stopped';
    } else if (body.content.includes('fail')) {
      assistant.status = 'failed';
    }
    c.messages.push(assistant);
    c.updatedAt = now();
    if (stopped) {
      return;
    }
    if (assistant.status === 'failed') {
      res.end(`event: error\ndata: ${JSON.stringify({ title: 'Model failed', status: 502, detail: 'The model stopped responding.' })}\n\n`);
    } else {
      res.end(`event: done\ndata: ${JSON.stringify({ ...assistant, usage: { inputTokens: 12, outputTokens: 80 }, conversation: summary(c) })}\n\n`);
    }
    return;
  }
  return problem(res, 404, 'Not Found', `No route for ${req.method} ${path}.`);
}

createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const path = decodeURIComponent(url.pathname);
  if (path.startsWith('/api/')) {
    return api(req, res, path);
  }
  if (oidcMode && path.startsWith('/oidc/')) {
    return oidc(req, res, path, url);
  }
  if (path === '/config.json') {
    return send(
      res,
      200,
      oidcMode
        ? { userPoolClientId: clientId, oidcAuthority: issuer, oidcScope: 'openid email', cognitoDomain: issuer, apiBasePath: '/api' }
        : { mode: 'local', apiBasePath: '/api' },
    );
  }
  let file = normalize(join(dist, path === '/' ? 'index.html' : path));
  if (!file.startsWith(dist) || !existsSync(file) || statSync(file).isDirectory()) {
    file = join(dist, 'index.html');
  }
  res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream' });
  createReadStream(file).pipe(res);
}).listen(port, '127.0.0.1', () => console.log(`Mock ChatBot on ${origin}${oidcMode ? ' (OIDC sign-in)' : ''}`));
