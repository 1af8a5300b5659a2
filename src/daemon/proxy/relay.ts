// Copies an upstream response body to the client as it arrives, reading usage on the way: SSE through a
// format tap (event by event, optionally dropping events the tap rejects), other bodies through a bounded copy.
import type { ServerResponse } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { errorEvent, type ErrorShape, type GatewayError } from '../../core/proxy/errors.js';
import { parseEvent, SseSplitter } from '../../core/formats/sse.js';
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

async function relay(
  body: AsyncIterable<Buffer>,
  res: ServerResponse,
  onChunk: (chunk: Buffer) => Buffer | undefined,
  toFailure: (err: unknown) => GatewayError,
  onFailure: (failure: GatewayError) => void,
  onEnd?: () => Buffer | undefined,
): Promise<RelayOutcome> {
  let bytes = 0;
  try {
    for await (const chunk of body) {
      bytes += chunk.length;
      const out = onChunk(chunk);
      if (out && out.length) {
        const pending = write(res, out);
        if (pending) await pending;
      }
      if (res.destroyed) return { complete: false, clientGone: true, bytes };
    }
  } catch (err) {
    if (res.destroyed) return { complete: false, clientGone: true, bytes };
    const failure = toFailure(err);
    onFailure(failure);
    return { complete: false, clientGone: false, failure, bytes };
  }
  const tail = onEnd?.();
  if (tail) res.end(tail);
  else res.end();
  return { complete: true, clientGone: false, bytes };
}

/**
 * Relays an event stream. Without filtering, every chunk is written the moment it arrives and parsed after;
 * with filtering, whole events are written as they complete (a partial event waits for its end).
 */
export function relaySse(
  body: AsyncIterable<Buffer>,
  res: ServerResponse,
  tap: StreamTap,
  filter: boolean,
  shape: ErrorShape,
  toFailure: (err: unknown) => GatewayError,
): Promise<RelayOutcome> {
  const splitter = new SseSplitter();
  const onChunk = (chunk: Buffer): Buffer | undefined => {
    const events = splitter.push(chunk);
    if (!filter) {
      for (const raw of events) tap.onEvent(parseEvent(raw.toString('utf8')));
      return chunk;
    }
    const kept = events.filter((raw) => tap.onEvent(parseEvent(raw.toString('utf8'))));
    return kept.length === events.length && events.length === 1 ? kept[0] : Buffer.concat(kept);
  };
  const onFailure = (failure: GatewayError) => {
    // The status line is gone; end the stream with an error event the client's SDK understands.
    const rest = splitter.rest();
    if (filter && rest) res.write(rest);
    res.end(errorEvent(shape, failure.status, failure.code, failure.message));
  };
  const onEnd = (): Buffer | undefined => {
    // A last event without its blank line: read it, and forward it if it was held back.
    const rest = splitter.rest();
    if (!rest) return undefined;
    const keep = tap.onEvent(parseEvent(rest.toString('utf8')));
    return filter && keep ? rest : undefined;
  };
  return relay(body, res, onChunk, toFailure, onFailure, onEnd);
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
): Promise<RelayOutcome & { copy: BodyCopy }> {
  const chunks: Buffer[] = [];
  let kept = 0;
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
  );
  let decoded: Buffer | undefined;
  const bytes = (): Buffer | undefined => {
    if (decoded || kept > COPY_LIMIT) return decoded;
    decoded = decode(Buffer.concat(chunks), contentEncoding);
    return decoded;
  };
  return {
    ...outcome,
    copy: {
      json() {
        const buf = outcome.complete ? bytes() : undefined;
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
    },
  };
}

function decode(buf: Buffer, encoding: string | undefined): Buffer | undefined {
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
