import { describe, expect, it } from 'vitest';
import { readSse, SseParser, type SseEvent } from './sse';

function parseChunks(chunks: (string | Uint8Array)[]): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = new SseParser((e) => events.push(e));
  for (const chunk of chunks) {
    parser.push(chunk);
  }
  parser.end();
  return events;
}

const encoder = new TextEncoder();

/** Every way to cut the bytes in two, and one byte at a time. */
function splits(text: string): Uint8Array[][] {
  const bytes = encoder.encode(text);
  const result: Uint8Array[][] = [];
  for (let i = 0; i <= bytes.length; i++) {
    result.push([bytes.slice(0, i), bytes.slice(i)]);
  }
  result.push(Array.from(bytes, (b) => Uint8Array.of(b)));
  return result;
}

const stream =
  ': connected\n\n' +
  'event: user\ndata: {"id":"u1","role":"user","content":"héllo 👋"}\n\n' +
  'event: delta\ndata: {"text":"Hi "}\n\n' +
  ':heartbeat\n\n' +
  'event: delta\ndata: {"text":"thére 🌍"}\n\n' +
  'event: done\ndata: {"id":"a1","status":"complete"}\n\n';

const expected: SseEvent[] = [
  { event: 'user', data: '{"id":"u1","role":"user","content":"héllo 👋"}' },
  { event: 'delta', data: '{"text":"Hi "}' },
  { event: 'delta', data: '{"text":"thére 🌍"}' },
  { event: 'done', data: '{"id":"a1","status":"complete"}' },
];

describe('SseParser', () => {
  it('parses named events and skips comments and heartbeats', () => {
    expect(parseChunks([stream])).toEqual(expected);
  });

  it('gives the same events however the bytes are split, even inside a UTF-8 character', () => {
    for (const chunks of splits(stream)) {
      expect(parseChunks(chunks)).toEqual(expected);
    }
  });

  it('handles CRLF and lone CR line endings, split anywhere, including between CR and LF', () => {
    const crlf = stream.replace(/\n/g, '\r\n');
    const cr = stream.replace(/\n/g, '\r');
    for (const text of [crlf, cr]) {
      for (const chunks of splits(text)) {
        expect(parseChunks(chunks)).toEqual(expected);
      }
    }
  });

  it('joins multi-line data with newlines', () => {
    const events = parseChunks(['data: line one\ndata:line two\ndata\ndata:  indented\n\n']);
    expect(events).toEqual([{ event: 'message', data: 'line one\nline two\n\n indented' }]);
  });

  it('drops an event that the stream ends before its blank line', () => {
    expect(parseChunks(['event: delta\ndata: {"text":"a"}\n\nevent: delta\ndata: {"text":"b"}\n'])).toEqual([
      { event: 'delta', data: '{"text":"a"}' },
    ]);
  });

  it('ignores events with no data, unknown fields, and retry', () => {
    expect(parseChunks(['event: ping\n\nretry: 1000\nfoo: bar\ndata: x\n\n'])).toEqual([{ event: 'message', data: 'x' }]);
  });

  it('keeps the last event id', () => {
    expect(parseChunks(['id: 7\ndata: a\n\ndata: b\n\n'])).toEqual([
      { event: 'message', data: 'a', id: '7' },
      { event: 'message', data: 'b', id: '7' },
    ]);
  });

  it('strips a byte order mark at the start', () => {
    expect(parseChunks([Uint8Array.of(0xef, 0xbb, 0xbf), encoder.encode('data: x\n\n')])).toEqual([{ event: 'message', data: 'x' }]);
  });
});

describe('readSse', () => {
  it('reads events from a body stream', async () => {
    const bytes = encoder.encode(stream);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 7) {
          controller.enqueue(bytes.slice(i, i + 7));
        }
        controller.close();
      },
    });
    const events: SseEvent[] = [];
    for await (const event of readSse(body)) {
      events.push(event);
    }
    expect(events).toEqual(expected);
  });

  it('cancels the body when the reader stops early', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('data: 1\n\ndata: 2\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const event of readSse(body)) {
      expect(event.data).toBe('1');
      break;
    }
    expect(cancelled).toBe(true);
  });
});
