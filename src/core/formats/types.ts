// The contract every client-facing wire format implements: what the proxy needs to know about its bodies
// and streams, and nothing about sockets.
import type { ApiFormat } from '../providers/catalog.js';
import type { Endpoint } from '../providers/route.js';
import type { ErrorShape } from '../proxy/errors.js';
import type { Json, ResponseMeta, Usage } from '../usage/usage.js';
import type { ContentAccess } from './content/types.js';
import type { SseEvent } from './sse.js';

export type FormatName = 'openai-chat' | 'openai-responses' | 'anthropic-messages';

export interface StreamTap {
  /** Reads one event; returns false when the proxy must not forward it (a usage chunk it asked for). */
  onEvent(event: SseEvent): boolean;
  /** Usage seen in the stream, or undefined when the provider sent none. */
  usage(): Usage | undefined;
  meta(): ResponseMeta;
}

export interface FormatAdapter {
  readonly name: FormatName;
  readonly errorShape: ErrorShape;
  readonly endpoint: Endpoint;
  /** The provider wire format this client format is native to. */
  readonly nativeFormat: ApiFormat;
  /** Where the text the model reads and writes sits in this format's bodies and streams. */
  readonly content: ContentAccess;
  /** A sentence naming what is wrong with the body, or undefined when the proxy can work with it. */
  problem(body: Json): string | undefined;
  isStream(body: Json): boolean;
  /**
   * Changes a streaming request so the provider reports usage; returns true when it changed something the
   * client did not ask for (the tap then drops what the change adds).
   */
  requestStreamUsage(body: Json): boolean;
  usageFromBody(body: Json): { usage?: Usage; meta: ResponseMeta };
  createTap(dropAddedUsage: boolean): StreamTap;
}

export function modelProblem(body: Json): string | undefined {
  if (typeof body.model !== 'string' || !body.model) return 'the request body needs a "model" string';
  if (body.stream !== undefined && typeof body.stream !== 'boolean') return '"stream" must be true or false';
  return undefined;
}

/** Parses an SSE `data` field holding a JSON object; undefined for `[DONE]`, empty, non-JSON or non-object data. */
export function parseJsonData(data: string): Json | undefined {
  let first = 0;
  while (first < data.length && (data.charCodeAt(first) === 32 || data.charCodeAt(first) === 9 || data.charCodeAt(first) === 10 || data.charCodeAt(first) === 13)) first++;
  // Only an object is wanted: anything else is refused before paying for JSON.parse.
  if (data.charCodeAt(first) !== 123) return undefined;
  try {
    const value: unknown = JSON.parse(data);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}
