// Anthropic /v1/messages. Stream usage: message_start carries the input side, message_delta the running
// output count (cumulative, so the last one wins).
import { anthropicUsage, emptyUsage, num, obj, str, type ResponseMeta, type Usage } from '../usage/usage.js';
import { modelProblem, parseJsonData, type FormatAdapter, type StreamTap } from './types.js';
import { anthropicContent } from './content/anthropic.js';

class MessagesTap implements StreamTap {
  #usage: Usage | undefined;
  readonly #meta: ResponseMeta = {};

  onEvent(event: { data: string }): boolean {
    const payload = parseJsonData(event.data);
    if (!payload) return true;
    if (payload.type === 'message_start') {
      const message = obj(payload.message);
      this.#meta.upstreamId = str(message?.id);
      this.#meta.actualModel = str(message?.model);
      const usage = obj(message?.usage);
      if (usage) this.#usage = anthropicUsage(usage);
    } else if (payload.type === 'message_delta') {
      this.#meta.finishReason = str(obj(payload.delta)?.stop_reason) ?? this.#meta.finishReason;
      const usage = obj(payload.usage);
      if (usage) {
        const current = this.#usage ?? emptyUsage();
        const update = anthropicUsage(usage);
        // Newer API versions repeat the input side here; keep whichever is larger.
        this.#usage = {
          input_tokens: Math.max(current.input_tokens, update.input_tokens),
          output_tokens: num(usage.output_tokens) || current.output_tokens,
          cache_read_tokens: Math.max(current.cache_read_tokens, update.cache_read_tokens),
          cache_write_tokens: Math.max(current.cache_write_tokens, update.cache_write_tokens),
          reasoning_tokens: 0,
        };
      }
    }
    return true;
  }

  usage(): Usage | undefined {
    return this.#usage;
  }

  meta(): ResponseMeta {
    return this.#meta;
  }
}

export const anthropicMessages: FormatAdapter = {
  name: 'anthropic-messages',
  errorShape: 'anthropic',
  endpoint: 'messages',
  nativeFormat: 'anthropic',
  content: anthropicContent,
  problem(body) {
    return modelProblem(body) ?? (Array.isArray(body.messages) ? undefined : 'the request body needs a "messages" array');
  },
  isStream: (body) => body.stream === true,
  requestStreamUsage: () => false,
  usageFromBody(body) {
    const usage = obj(body.usage);
    return {
      usage: usage ? anthropicUsage(usage) : undefined,
      meta: { upstreamId: str(body.id), actualModel: str(body.model), finishReason: str(body.stop_reason) },
    };
  },
  createTap: () => new MessagesTap(),
};
