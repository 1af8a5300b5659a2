// Copies an upstream response body to the client as it arrives, reading usage on the way: SSE through a
// format tap (event by event, optionally dropping events the tap rejects), other bodies through a bounded copy.
import type { ServerResponse } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { errorEvent, GatewayError, type ErrorShape } from '../../core/proxy/errors.js';
import { parseEvent, SseSplitter, type SseEvent } from '../../core/formats/sse.js';
import type { StreamTap } from '../../core/formats/types.js';
import type { Json } from '../../core/usage/usage.js';

/** Largest non-stream body kept in memory to read its usage; larger bodies still pass through whole. */
const COPY_LIMIT = 16 * 1024 * 1024;

export interface RelayOutcome {
  /** The body reached the client whole. */
  readonly complete: boolean;
  /** The client went away before the end. */
  readonly clientGone: boolean;
  /** The upstream failed mid-body. */
  readonly failure?: GatewayError;
  readonly bytes: number;
}

function write(res: ServerResponse, chunk: Buffer | string): Promise<void> | undefined {
  if (res.write(chunk)) return undefined;
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export interface RelayHooks {
  /** Runs when the body is complete, before the client gets its last bytes (the ledger records the request). */
  readonly beforeEnd?: () => void;
  /** Sees every byte sent to the client (conversation memory keeps a bounded copy). */
  readonly observe?: (sent: Buffer | string) => void;
  /** The Content-Length the client was promised, if any: beforeEnd then runs before the last bytes are written. */
  readonly contentLength?: number;
}

async function relay(
  body: AsyncIterable<Buffer>,
  res: ServerResponse,
  onChunk: (chunk: Buffer) => Buffer | string | undefined,
  toFailure: (err: unknown) => GatewayError,
  onFailure: (failure: GatewayError) => void,
  options: {
    onEnd?: () => Buffer | string | undefined;
    /** True once the relay must stop reading and end the response (onEnd supplies the last bytes). */
    stopped?: () => boolean;
  } & RelayHooks = {},
): Promise<RelayOutcome> {
  const { onEnd, stopped, observe, contentLength } = options;
  let ended = false;
  const beforeEnd = () => {
    if (ended) return;
    ended = true;
    options.beforeEnd?.();
  };
  let bytes = 0;
  let sent = 0;
  try {
    for await (const chunk of body) {
      bytes += chunk.length;
      const out = onChunk(chunk);
      if (out && out.length) {
        observe?.(out);
        // With a Content-Length the client is done at the last byte, before res.end(): run the hook first.
        sent += typeof out === 'string' ? Buffer.byteLength(out) : out.length;
        if (contentLength !== undefined && sent >= contentLength) beforeEnd();
        const pending = write(res, out);
        if (pending) await pending;
      }
      if (res.destroyed) return { complete: false, clientGone: true, bytes };
      if (stopped?.()) break;
    }
  } catch (err) {
    if (res.destroyed) return { complete: false, clientGone: true, bytes };
    const failure = toFailure(err);
    onFailure(failure);
    return { complete: false, clientGone: false, failure, bytes };
  }
  const tail = onEnd?.();
  if (tail) observe?.(tail);
  beforeEnd();
  if (tail) res.end(tail);
  else res.end();
  return { complete: true, clientGone: false, bytes };
}

/** Rewrites a stream event by event: drops events, changes them, or ends the stream early. */
export interface EventFilter {
  /** What to send in place of one whole event: its raw bytes, other bytes, or '' to drop it. */
  event(raw: Buffer, parsed: SseEvent): Buffer | string;
  /** Once set (by event()), the bytes that end the stream now; nothing more is read from the upstream. */
  readonly ending?: string;
  /** Bytes to send before the stream's natural end (text still held back). */
  finish(): string;
}

/**
 * Relays an event stream. Without a filter, every chunk is written the moment it arrives and parsed after;
 * with one, whole events are written as they complete (a partial event waits for its end).
 */
export function relaySse(
  body: AsyncIterable<Buffer>,
  res: ServerResponse,
  tap: StreamTap,
  filter: EventFilter | undefined,
  shape: ErrorShape,
  toFailure: (err: unknown) => GatewayError,
  hooks: RelayHooks = {},
): Promise<RelayOutcome> {
  const splitter = new SseSplitter();
  const onChunk = (chunk: Buffer): Buffer | string | undefined => {
    const events = splitter.push(chunk);
    if (!filter) {
      for (const raw of events) tap.onEvent(parseEvent(raw.toString('utf8')));
      return chunk;
    }
    let out: Array<Buffer | string> | undefined;
    for (let i = 0; i < events.length && filter.ending === undefined; i++) {
      const raw = events[i]!;
      const parsed = parseEvent(raw.toString('utf8'));
      const sent = tap.onEvent(parsed) ? filter.event(raw, parsed) : '';
      if (sent === raw && events.length === 1) return raw;
      (out ??= []).push(sent);
    }
    // When the filter ended the stream, the relay stops reading and onEnd() sends the ending.
    return out ? out.join('') : undefined;
  };
  const onFailure = (failure: GatewayError) => {
    // The status line is gone; end the stream with an error event the client's SDK understands. An unfinished
    // event is never completed: a held one (filter) is dropped, a relayed one is closed so the error stands alone.
    if (splitter.unfinished && !filter) res.write('\n\n');
    splitter.rest();
    res.end(errorEvent(shape, failure.status, failure.code, failure.message));
  };
  const onEnd = (): string | Buffer | undefined => {
    // A last event without its blank line: read it, and forward it if it was held back.
    const rest = splitter.rest();
    const parsed = rest ? parseEvent(rest.toString('utf8')) : undefined;
    if (!filter) {
      if (parsed) tap.onEvent(parsed);
      return undefined;
    }
    const last = parsed && tap.onEvent(parsed) ? filter.event(rest!, parsed) : '';
    return filter.ending ?? `${filter.finish()}${last}`;
  };
  return relay(body, res, onChunk, toFailure, onFailure, { onEnd, stopped: () => filter?.ending !== undefined, ...hooks });
}

export interface BodyCopy {
  /** The parsed JSON body, when it was JSON and small enough to keep. */
  json(): Json | undefined;
  text(limit: number): string;
}

/** Relays a plain body, keeping a copy (up to COPY_LIMIT) to read usage from. */
export async function relayBody(
  body: AsyncIterable<Buffer>,
  res: ServerResponse,
  contentEncoding: string | undefined,
  toFailure: (err: unknown) => GatewayError,
  /** Runs when the body is complete, before the client gets its last bytes; the copy is readable then. */
  beforeEnd?: (copy: BodyCopy) => void,
  contentLength?: number,
): Promise<RelayOutcome & { copy: BodyCopy }> {
  const chunks: Buffer[] = [];
  let kept = 0;
  let complete = false;
  let decoded: Buffer | undefined;
  const bytes = (): Buffer | undefined => {
    if (decoded || kept > COPY_LIMIT) return decoded;
    decoded = decodeBody(Buffer.concat(chunks), contentEncoding);
    return decoded;
  };
  const copy: BodyCopy = {
    json() {
      const buf = complete ? bytes() : undefined;
      if (!buf || buf[0] !== 123) return undefined;
      try {
        return JSON.parse(buf.toString('utf8')) as Json;
      } catch {
        return undefined;
      }
    },
    text(limit) {
      return bytes()?.subarray(0, limit).toString('utf8') ?? '';
    },
  };
  const outcome = await relay(
    body,
    res,
    (chunk) => {
      if (kept + chunk.length <= COPY_LIMIT) {
        chunks.push(chunk);
        kept += chunk.length;
      } else kept = COPY_LIMIT + 1;
      return chunk;
    },
    toFailure,
    () => res.destroy(),
    {
      beforeEnd: () => {
        complete = true;
        beforeEnd?.(copy);
      },
      contentLength,
    },
  );
  return { ...outcome, copy };
}

/** A body in its content-encoding, decoded; undefined when the encoding is unknown or the bytes are damaged. */
export function decodeBody(buf: Buffer, encoding: string | undefined): Buffer | undefined {
  try {
    switch ((encoding ?? '').trim().toLowerCase()) {
      case '':
      case 'identity':
        return buf;
      case 'gzip':
      case 'x-gzip':
        return gunzipSync(buf);
      case 'br':
        return brotliDecompressSync(buf);
      case 'deflate':
        return inflateSync(buf);
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}

/** Reads a whole upstream body, up to `limit` bytes (a 502 beyond: it cannot be checked). */
export async function readWhole(body: AsyncIterable<Buffer>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      throw new GatewayError('upstream_error', `the upstream answer is larger than ${Math.round(limit / 1048576)} MB, too large to check against the output rules`);
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}
