// Server-sent events, split at event boundaries without touching the bytes. Hand-written on purpose: the proxy
// must forward the exact bytes it received (no re-framing) and sometimes drop one whole event, which needs the
// byte offsets of each event; parser libraries only hand out the decoded fields.

export interface SseEvent {
  /** The `event:` field, '' when absent. */
  readonly event: string;
  /** The `data:` lines joined with '\n'. */
  readonly data: string;
}

const LF = 10;
const CR = 13;

/** Index just after the blank line that ends the event starting at or after `from`, or -1. */
function eventEnd(buf: Buffer, from: number): number {
  for (let i = buf.indexOf(LF, from); i !== -1; i = buf.indexOf(LF, i + 1)) {
    const next = buf[i + 1];
    if (next === LF) return i + 2;
    if (next === CR && buf[i + 2] === LF) return i + 3;
  }
  return -1;
}

export function parseEvent(raw: string): SseEvent {
  let event = '';
  let data: string | undefined;
  for (const line of raw.split(/\r?\n/)) {
    if (line.startsWith('data:')) {
      const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
      data = data === undefined ? value : `${data}\n${value}`;
    } else if (line.startsWith('event:')) {
      event = line.slice(line.charCodeAt(6) === 32 ? 7 : 6);
    }
  }
  return { event, data: data ?? '' };
}

/** Largest single event held while waiting for its blank line; a bigger one means the stream is not SSE. */
export const MAX_EVENT_BYTES = 16 * 1024 * 1024;

/** An upstream event stream that cannot be split into events (one "event" grew past the limit). */
export class SseTooLargeError extends Error {
  constructor(limit: number) {
    super(`a stream event is larger than ${Math.round(limit / 1048576)} MB; the stream was cut`);
  }
}

/**
 * Collects bytes and hands back each complete event as its raw bytes. An unfinished event is kept as a list of
 * chunks and only the new bytes are searched, so a long event costs linear time, and it is bounded by `maxEventBytes`.
 */
export class SseSplitter {
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(readonly maxEventBytes = MAX_EVENT_BYTES) {}

  /** The complete events in `chunk` (plus what was pending), as raw byte slices. */
  push(chunk: Buffer): Buffer[] {
    const events: Buffer[] = [];
    if (!chunk.length) return events;
    let rest = chunk;
    if (this.#pendingBytes) {
      // The blank line may start in the last bytes already held: search those two bytes plus the new chunk.
      const prefix = this.#tail();
      const end = eventEnd(Buffer.concat([prefix, chunk.subarray(0, Math.min(chunk.length, 3))]), 0);
      const found = end !== -1 ? end - prefix.length : eventEnd(chunk, 0);
      if (found === -1) {
        this.#hold(chunk);
        return events;
      }
      events.push(Buffer.concat([...this.#pending, chunk.subarray(0, found)]));
      this.#cut = false;
      this.#pending = [];
      this.#pendingBytes = 0;
      rest = chunk.subarray(found);
    }
    let start = 0;
    for (let end = eventEnd(rest, 0); end !== -1; end = eventEnd(rest, start)) {
      events.push(rest.subarray(start, end));
      start = end;
    }
    if (start < rest.length) this.#hold(rest.subarray(start));
    return events;
  }

  /** The last two bytes held (they may sit in different chunks). */
  #tail(): Buffer {
    const last = this.#pending[this.#pending.length - 1]!;
    if (last.length >= 2 || this.#pending.length === 1) return last.subarray(Math.max(0, last.length - 2));
    return Buffer.concat([this.#pending[this.#pending.length - 2]!.subarray(-1), last]);
  }

  #hold(bytes: Buffer): void {
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
    if (this.#pendingBytes > this.maxEventBytes) {
      this.#pending = [];
      this.#pendingBytes = 0;
      this.#cut = true;
      throw new SseTooLargeError(this.maxEventBytes);
    }
  }

  #cut = false;

  /** Bytes of an event have arrived without its blank line (held now, or cut for being too large). */
  get unfinished(): boolean {
    return this.#pendingBytes > 0 || this.#cut;
  }

  /** Bytes of an unfinished last event, if the stream ended without a blank line. */
  rest(): Buffer | undefined {
    if (!this.#pendingBytes) return undefined;
    const rest = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending);
    this.#pending = [];
    this.#pendingBytes = 0;
    return rest;
  }
}
