// How each wire format exposes the text a model reads and writes, so one rule engine serves all formats.
import type { Json } from '../../usage/usage.js';

/** Sees one piece of text; returns a replacement, or undefined to keep it. */
export type TextVisitor = (text: string) => string | undefined;

export interface Prompt {
  readonly role: 'system' | 'developer' | 'user' | 'assistant';
  readonly content: string;
}

/** One piece of generated text inside a stream event. */
export interface StreamDelta {
  /** Which running text it continues (a choice, a content block, an output item). */
  readonly channel: string;
  readonly text: string;
  replace(text: string): void;
}

export interface StreamContent {
  /** The text deltas an event carries. */
  deltas(payload: Json, event: string): StreamDelta[];
  /** The channels this event closes; held-back text must be sent before it. */
  closes(payload: Json, event: string): string[];
  /** Events that repeat whole texts (e.g. Responses *.done); their texts are visited whole. */
  visitWhole(payload: Json, event: string, visit: TextVisitor): boolean;
  /** An SSE event carrying `text` as a delta of `channel`, shaped like `template` (an earlier delta event). */
  deltaEvent(channel: string, text: string, template: { payload: Json; event: string }): string;
}

export interface ContentAccess {
  /** Every text the model will read, in order: system prompts, messages, content parts, tool results. */
  visitInput(body: Json, visit: TextVisitor): void;
  /** Inserts policy prompts where the format expects them, before the client's own. */
  injectPrompts(body: Json, prompts: readonly Prompt[]): void;
  /** Every text the model wrote in a non-stream response body. */
  visitOutput(body: Json, visit: TextVisitor): void;
  readonly stream: StreamContent;
}

export function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Visits a string property in place. */
export function visitField(holder: Json, key: string, visit: TextVisitor): void {
  const value = holder[key];
  if (typeof value !== 'string') return;
  const replaced = visit(value);
  if (replaced !== undefined && replaced !== value) holder[key] = replaced;
}

/** Visits every string inside a JSON value (tool inputs), in place. */
export function visitStrings(holder: Json | unknown[], visit: TextVisitor): void {
  const entries: Array<[string | number, unknown]> = Array.isArray(holder) ? holder.map((v, i) => [i, v]) : Object.entries(holder);
  for (const [key, value] of entries) {
    if (typeof value === 'string') {
      const replaced = visit(value);
      if (replaced !== undefined && replaced !== value) (holder as Record<string | number, unknown>)[key] = replaced;
    } else if (value !== null && typeof value === 'object') visitStrings(value as Json, visit);
  }
}

export function sseEvent(event: string, payload: unknown): string {
  return `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(payload)}\n\n`;
}
