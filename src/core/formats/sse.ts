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

/** Collects bytes and hands back each complete event as its raw bytes. */
export class SseSplitter {
  #pending: Buffer | undefined;

  /** The complete events in `chunk` (plus what was pending), as raw byte slices. */
  push(chunk: Buffer): Buffer[] {
    const buf = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
    const events: Buffer[] = [];
    let start = 0;
    for (let end = eventEnd(buf, 0); end !== -1; end = eventEnd(buf, start)) {
      events.push(buf.subarray(start, end));
      start = end;
    }
    this.#pending = start < buf.length ? buf.subarray(start) : undefined;
    return events;
  }

  /** Bytes of an unfinished last event, if the stream ended without a blank line. */
  rest(): Buffer | undefined {
    const rest = this.#pending;
    this.#pending = undefined;
    return rest;
  }
}
