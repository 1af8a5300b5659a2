// What both translation directions share: the result type, the wording of refusals, data URLs and SSE framing.
import type { Json } from '../usage/usage.js';

import { isObject } from '../formats/content/types.js';

// The formats' own helpers: one notion of a JSON object and one SSE framing for adapters and translators alike.
export { isObject, sseEvent as sse } from '../formats/content/types.js';

/** A translated body, or the sentence naming the feature that has no equivalent on the other side. */
export type Translated<T> = { body: T } | { unsupported: string };

/** JSON null and undefined both mean "not given"; SDKs send either. */
export function given(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** Thrown inside a translator and turned into `{ unsupported }` at its entry point. */
export class Unsupported extends Error {}

/** Runs a translation, turning an `Unsupported` throw into the result shape. */
export function translating<T>(run: () => T): Translated<T> {
  try {
    return { body: run() };
  } catch (err) {
    if (err instanceof Unsupported) return { unsupported: err.message };
    throw err;
  }
}

export interface DataUrl {
  mediaType: string;
  data: string;
}

/** `data:<media type>;base64,<data>`, or undefined for anything else. */
export function parseDataUrl(url: string): DataUrl | undefined {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return match ? { mediaType: match[1]!, data: match[2]! } : undefined;
}

export function isHttpUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/** Arguments an OpenAI tool call carries as a JSON string, as the object Anthropic wants; undefined if not one. */
export function parseArguments(args: unknown): Json | undefined {
  if (args === undefined || args === null || args === '') return {};
  if (isObject(args)) return args;
  if (typeof args !== 'string') return undefined;
  try {
    const value: unknown = JSON.parse(args);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function nonNegative(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
