// OpenAI /v1/chat/completions.
import { obj, openAiChatUsage, str, type Json, type ResponseMeta, type Usage } from '../usage/usage.js';
import { modelProblem, parseJsonData, type FormatAdapter, type StreamTap } from './types.js';
import { chatContent } from './content/chat.js';

function finishReason(body: Json): string | undefined {
  const choices = body.choices;
  return Array.isArray(choices) ? str(obj(choices[0])?.finish_reason) : undefined;
}

class ChatTap implements StreamTap {
  #usage: Usage | undefined;
  readonly #meta: ResponseMeta = {};
  constructor(readonly dropAddedUsage: boolean) {}

  onEvent(event: { data: string }): boolean {
    const chunk = parseJsonData(event.data);
    if (!chunk) return true;
    this.#meta.upstreamId ??= str(chunk.id);
    this.#meta.actualModel = str(chunk.model) ?? this.#meta.actualModel;
    this.#meta.finishReason = finishReason(chunk) ?? this.#meta.finishReason;
    const usage = obj(chunk.usage);
    if (!usage) return true;
    this.#usage = openAiChatUsage(usage);
    const choices = chunk.choices;
    return !(this.dropAddedUsage && Array.isArray(choices) && choices.length === 0);
  }

  usage(): Usage | undefined {
    return this.#usage;
  }

  meta(): ResponseMeta {
    return this.#meta;
  }
}

export const openAiChat: FormatAdapter = {
  name: 'openai-chat',
  errorShape: 'openai',
  endpoint: 'chat',
  nativeFormat: 'openai',
  content: chatContent,
  problem(body) {
    return modelProblem(body) ?? (Array.isArray(body.messages) ? undefined : 'the request body needs a "messages" array');
  },
  isStream: (body) => body.stream === true,
  requestStreamUsage(body) {
    const options = obj(body.stream_options);
    if (options?.include_usage === true) return false;
    body.stream_options = { ...options, include_usage: true };
    return true;
  },
  usageFromBody(body) {
    const usage = obj(body.usage);
    return {
      usage: usage ? openAiChatUsage(usage) : undefined,
      meta: { upstreamId: str(body.id), actualModel: str(body.model), finishReason: finishReason(body) },
    };
  },
  createTap: (dropAddedUsage) => new ChatTap(dropAddedUsage),
};
