// A stand-in for the ChatBot API, for working on the web app without the .NET backend:
//   npm run build && npm run mock        then open http://127.0.0.1:5173
// It serves dist/ and an in-memory /api with the real contract, streaming a canned Markdown answer word by word.
// Per-user data follows the X-ChatBot-User header, as in the backend's development mode. Loopback only.
import { randomUUID } from 'node:crypto';
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

function store(req) {
  const user = req.headers['x-chatbot-user'] || 'local';
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
      res.end(`event: done\ndata: ${JSON.stringify({ ...assistant, usage: { inputTokens: 12, outputTokens: 80 } })}\n\n`);
    }
    return;
  }
  return problem(res, 404, 'Not Found', `No route for ${req.method} ${path}.`);
}

createServer(async (req, res) => {
  const path = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
  if (path.startsWith('/api/')) {
    return api(req, res, path);
  }
  if (path === '/config.json') {
    return send(res, 200, { mode: 'local', apiBasePath: '/api' });
  }
  let file = normalize(join(dist, path === '/' ? 'index.html' : path));
  if (!file.startsWith(dist) || !existsSync(file) || statSync(file).isDirectory()) {
    file = join(dist, 'index.html');
  }
  res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream' });
  createReadStream(file).pipe(res);
}).listen(port, '127.0.0.1', () => console.log(`Mock ChatBot on http://127.0.0.1:${port}`));
