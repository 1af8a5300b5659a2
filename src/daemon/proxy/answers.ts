// Reading a model's whole answer (non-stream bodies are small) and sending a provider's error in the client's shape
// when the request went out translated.
import type { ServerResponse } from 'node:http';
import { GatewayError } from '../../core/proxy/errors.js';
import type { Bridge } from '../../core/translate/bridge.js';
import type { Json } from '../../core/usage/usage.js';
import { decodeBody, readWhole } from './relay.js';
import type { UpstreamResponse } from './upstream.js';

/** Largest non-stream answer held to run output rules on; a larger one is refused rather than sent unchecked. */
const ANSWER_LIMIT = 32 * 1024 * 1024;

export interface Answer {
  readonly bytes: Buffer;
  /** The body in plain bytes; undefined when its content-encoding cannot be read. */
  readonly decoded?: Buffer;
  /** The body when it is a JSON object. */
  readonly json?: Json;
  readonly encoding?: string | string[];
}

export function parseJsonObject(bytes: Buffer): Json | undefined {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

export async function readAnswer(upstream: UpstreamResponse, toFailure: (err: unknown) => GatewayError): Promise<Answer> {
  let bytes: Buffer;
  try {
    bytes = await readWhole(upstream.body, ANSWER_LIMIT);
  } catch (err) {
    throw err instanceof GatewayError ? err : toFailure(err);
  }
  const encoding = upstream.headers['content-encoding'];
  const decoded = decodeBody(bytes, typeof encoding === 'string' ? encoding : undefined);
  const json = decoded && decoded[0] === 123 ? parseJsonObject(decoded) : undefined;
  return { bytes, decoded, json, encoding };
}

/** A provider's error answer to a translated request, sent in the client's error shape with the same status. */
export async function sendTranslatedError(
  upstream: UpstreamResponse,
  res: ServerResponse,
  bridge: Bridge,
  gatewayHeaders: Record<string, string>,
  toFailure: (err: unknown) => GatewayError,
  finish: () => void,
): Promise<Buffer> {
  const { json } = await readAnswer(upstream, toFailure);
  const out = Buffer.from(JSON.stringify(bridge.error(upstream.statusCode, json)));
  const retryAfter = upstream.headers['retry-after'];
  res.writeHead(upstream.statusCode, {
    'content-type': 'application/json',
    'content-length': String(out.length),
    ...(typeof retryAfter === 'string' ? { 'retry-after': retryAfter } : {}),
    ...gatewayHeaders,
  });
  finish();
  res.end(out);
  return out;
}
