/**
 * A Server-Sent Events parser that follows the WHATWG "event stream interpretation" rules: lines end in CRLF, LF or
 * CR; `:` starts a comment (heartbeats); `data` lines are joined with newlines; a blank line dispatches the event; an
 * event without a final blank line is dropped. Bytes may be split anywhere, including inside a UTF-8 character or
 * between the CR and LF of one line ending.
 */

export interface SseEvent {
  /** The `event` field, or "message" when there was none. */
  event: string;
  data: string;
  id?: string;
}

export class SseParser {
  private readonly _decoder = new TextDecoder('utf-8');
  private _buffer = '';
  private _data: string[] = [];
  private _event = '';
  private _id: string | undefined;
  private _lastEventId: string | undefined;

  constructor(private readonly _onEvent: (event: SseEvent) => void) {}

  /** Feeds the next chunk of the stream. */
  push(chunk: Uint8Array | string): void {
    this._buffer += typeof chunk === 'string' ? chunk : this._decoder.decode(chunk, { stream: true });
    this._drain(false);
  }

  /** Ends the stream; a trailing line without its line ending still counts, an event without its blank line does not. */
  end(): void {
    this._buffer += this._decoder.decode();
    this._drain(true);
    if (this._buffer.length > 0) {
      this._line(this._buffer);
      this._buffer = '';
    }
    this._data = [];
    this._event = '';
  }

  private _drain(final: boolean): void {
    let start = 0;
    const buffer = this._buffer;
    for (let i = 0; i < buffer.length; i++) {
      const c = buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) {
        continue;
      }
      if (c === 13 && i + 1 === buffer.length && !final) {
        // A CR at the end of the chunk may be the first half of CRLF: wait for the next chunk.
        break;
      }
      this._line(buffer.slice(start, i));
      if (c === 13 && buffer.charCodeAt(i + 1) === 10) {
        i++;
      }
      start = i + 1;
    }
    this._buffer = buffer.slice(start);
  }

  private _line(line: string): void {
    if (line === '') {
      this._dispatch();
      return;
    }
    if (line.startsWith(':')) {
      return;
    }

    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) {
      value = value.slice(1);
    }

    switch (field) {
      case 'event':
        this._event = value;
        break;
      case 'data':
        this._data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) {
          this._id = value;
        }
        break;
      default:
        // `retry` and unknown fields mean nothing to a fetch-based client.
        break;
    }
  }

  private _dispatch(): void {
    if (this._id !== undefined) {
      this._lastEventId = this._id;
      this._id = undefined;
    }
    if (this._data.length === 0) {
      this._event = '';
      return;
    }
    const event: SseEvent = { event: this._event || 'message', data: this._data.join('\n') };
    if (this._lastEventId !== undefined) {
      event.id = this._lastEventId;
    }
    this._data = [];
    this._event = '';
    this._onEvent(event);
  }
}

/** Reads a response body as a sequence of events. Cancelling the iteration cancels the body. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const queue: SseEvent[] = [];
  const parser = new SseParser((event) => queue.push(event));
  const reader = body.getReader();
  let finished = false;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        parser.end();
      } else {
        parser.push(value);
      }
      while (queue.length > 0) {
        yield queue.shift()!;
      }
      if (done) {
        return;
      }
    }
  } finally {
    if (!finished) {
      // The consumer stopped early: let the server know nobody is listening any more.
      await reader.cancel().catch(() => undefined);
    }
    reader.releaseLock();
  }
}
