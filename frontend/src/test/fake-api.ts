import type { Auth } from '../auth/types';

/** Test doubles for the HTTP edge: a scripted fetch and a recording Auth. */

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  signal: AbortSignal | undefined;
}

type Handler = (request: RecordedRequest) => Response | Promise<Response>;

export class FakeServer {
  readonly requests: RecordedRequest[] = [];
  private readonly _routes: { method: string; pattern: RegExp; handler: Handler }[] = [];

  on(method: string, pattern: RegExp, handler: Handler): this {
    // Later routes win, so a test can override a default.
    this._routes.unshift({ method, pattern, handler });
    return this;
  }

  readonly fetch: typeof fetch = async (input, init) => {
    const url = String(input);
    const request: RecordedRequest = {
      method: init?.method ?? 'GET',
      url,
      headers: { ...((init?.headers as Record<string, string> | undefined) ?? {}) },
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
      signal: init?.signal ?? undefined,
    };
    this.requests.push(request);
    if (request.signal?.aborted) {
      throw new DOMException('The operation was aborted.', 'AbortError');
    }
    const route = this._routes.find((r) => r.method === request.method && r.pattern.test(url));
    if (!route) {
      return problem(404, 'Not Found', `No fake route for ${request.method} ${url}`);
    }
    return route.handler(request);
  };
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

export function problem(status: number, title: string, detail?: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ type: 'about:blank', title, status, detail }), {
    status,
    headers: { 'Content-Type': 'application/problem+json', ...headers },
  });
}

export function sseText(events: [string, unknown][]): string {
  return events.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join('');
}

/** An SSE response whose chunks the test releases one by one; it fails with AbortError when `signal` aborts. */
export class ControlledStream {
  private _controller!: ReadableStreamDefaultController<Uint8Array>;
  readonly response: Response;

  constructor(signal?: AbortSignal) {
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this._controller = controller;
      },
    });
    signal?.addEventListener('abort', () => {
      try {
        this._controller.error(new DOMException('The operation was aborted.', 'AbortError'));
      } catch {
        // Already closed.
      }
    });
    this.response = new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
  }

  send(event: string, data: unknown): void {
    this._controller.enqueue(new TextEncoder().encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
  }

  raw(text: string): void {
    this._controller.enqueue(new TextEncoder().encode(text));
  }

  close(): void {
    this._controller.close();
  }

  fail(error: unknown = new TypeError('network error')): void {
    this._controller.error(error);
  }
}

export class FakeAuth implements Auth {
  readonly kind = 'local' as const;
  userName = 'tester';
  signIns: string[] = [];

  headers(): Promise<Record<string, string>> {
    return Promise.resolve({ 'X-ChatBot-User': this.userName });
  }

  signIn(returnTo: string): Promise<void> {
    this.signIns.push(returnTo);
    return new Promise(() => undefined);
  }

  signOut(): Promise<void> {
    return Promise.resolve();
  }
}

export const stamp = '2025-01-01T00:00:00Z';

export function message(id: string, role: 'user' | 'assistant', content: string, status = 'complete') {
  return { id, role, content, createdAt: stamp, status };
}

export function conversation(id: string, title: string | null, messages: unknown[] = []) {
  return { id, title, createdAt: stamp, updatedAt: stamp, messages };
}
