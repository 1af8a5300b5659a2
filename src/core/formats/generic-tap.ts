// Usage from streams of paths without a format adapter (passthrough): whatever usage object an event carries,
// at the top level or inside `message` / `response`; each figure keeps the largest value seen.
import { anyUsage, emptyUsage, obj, type ResponseMeta, type Usage } from '../usage/usage.js';
import type { StreamTap } from './types.js';
import { parseJsonData } from './types.js';

export class GenericTap implements StreamTap {
  #usage: Usage | undefined;

  onEvent(event: { data: string }): boolean {
    const payload = parseJsonData(event.data);
    if (!payload) return true;
    const found = anyUsage(payload) ?? anyUsage(obj(payload.message) ?? {}) ?? anyUsage(obj(payload.response) ?? {});
    if (found) {
      const current = this.#usage ?? emptyUsage();
      this.#usage = {
        input_tokens: Math.max(current.input_tokens, found.input_tokens),
        output_tokens: Math.max(current.output_tokens, found.output_tokens),
        cache_read_tokens: Math.max(current.cache_read_tokens, found.cache_read_tokens),
        cache_write_tokens: Math.max(current.cache_write_tokens, found.cache_write_tokens),
        reasoning_tokens: Math.max(current.reasoning_tokens, found.reasoning_tokens),
      };
    }
    return true;
  }

  usage(): Usage | undefined {
    return this.#usage;
  }

  meta(): ResponseMeta {
    return {};
  }
}
