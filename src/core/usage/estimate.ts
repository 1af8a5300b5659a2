// Token estimates for reservations, made before the provider reports real usage. The counter is injected (the daemon
// passes gpt-tokenizer's o200k encoder once it has loaded; a chars/4 rule before that), and only the first
// EXACT_CHARS of each text are counted exactly: the rest is extrapolated, so a huge prompt costs microseconds.
import type { ContentAccess } from '../formats/content/types.js';
import type { Json } from './usage.js';

export type TokenCounter = (text: string) => number;

/** Output tokens reserved when the request sets no max_tokens / max_output_tokens / max_completion_tokens. */
export const DEFAULT_OUTPUT_ESTIMATE = 256;
/** Characters of one text counted with the tokenizer; longer texts are extrapolated from that sample. */
export const EXACT_CHARS = 8192;
/** Per text: role and framing tokens that every format adds around a message. */
const PER_TEXT_OVERHEAD = 4;

export const roughCount: TokenCounter = (text) => Math.ceil(text.length / 4);

function countText(count: TokenCounter, text: string): number {
  if (text.length <= EXACT_CHARS) return count(text);
  const sample = count(text.slice(0, EXACT_CHARS));
  return Math.ceil((sample * text.length) / EXACT_CHARS);
}

/** Estimated input tokens of a model-calling body: every text the model reads, plus framing. */
export function estimateInput(content: ContentAccess, body: Json, count: TokenCounter): number {
  let tokens = PER_TEXT_OVERHEAD;
  content.visitInput(body, (text) => {
    tokens += countText(count, text) + PER_TEXT_OVERHEAD;
    return undefined;
  });
  return tokens;
}

/** The output the request allows itself, else DEFAULT_OUTPUT_ESTIMATE. */
export function estimateOutput(body: Json): number {
  for (const field of ['max_completion_tokens', 'max_output_tokens', 'max_tokens']) {
    const value = body[field];
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) return Math.floor(value);
  }
  return DEFAULT_OUTPUT_ESTIMATE;
}
