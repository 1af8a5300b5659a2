// A client format served by a provider of another wire format: which translators apply, as one object the proxy
// uses for the request, the answer (body, error or stream) and the provider-side adapter that reads usage.
import { anthropicMessages } from '../formats/anthropic-messages.js';
import { openAiChat } from '../formats/openai-chat.js';
import type { FormatAdapter, FormatName } from '../formats/types.js';
import type { ApiFormat } from '../providers/catalog.js';
import type { Json } from '../usage/usage.js';
import { anthropicRequestToChat, chatErrorToAnthropic, chatResponseToAnthropic, ChatToAnthropicStream } from './anthropic-to-chat.js';
import { anthropicErrorToChat, anthropicResponseToChat, AnthropicToChatStream, chatRequestToAnthropic } from './chat-to-anthropic.js';
import type { Translated } from './common.js';
import { anthropicErrorToResponses, anthropicResponseToResponses, AnthropicToResponsesStream, responsesRequestToAnthropic } from './responses-to-anthropic.js';
import { chatErrorToResponses, chatResponseToResponses, ChatToResponsesStream, responsesRequestToChat } from './responses-to-chat.js';

/** Translates one upstream event stream into the client's events, as SSE text. */
export interface StreamTranslator {
  pushSse(event: { event: string; data: string }): string[];
  /** The upstream stream ended: the client's closing events (or an error event for a cut-off stream). */
  end(): string[];
}

export interface Bridge {
  /** The provider's side: its endpoint, its usage in bodies and streams. */
  readonly upstream: FormatAdapter;
  /** The upstream path of the provider's native endpoint. */
  readonly upstreamPath: string;
  request(body: Json): Translated<Json>;
  response(json: Json, model: string): Json;
  error(status: number, json: unknown): Json;
  stream(options: { model: string; clientBody: Json }): StreamTranslator;
}

const chatToAnthropic: Bridge = {
  upstream: anthropicMessages,
  upstreamPath: '/v1/messages',
  request: (body) => chatRequestToAnthropic(body) as Translated<Json>,
  response: (json, model) => anthropicResponseToChat(json, model) as unknown as Json,
  error: (status, json) => anthropicErrorToChat(status, json) as unknown as Json,
  stream: ({ model, clientBody }) => {
    const options = clientBody.stream_options as { include_usage?: unknown } | undefined;
    return new AnthropicToChatStream({ model, includeUsage: options?.include_usage === true });
  },
};

const anthropicToChat: Bridge = {
  upstream: openAiChat,
  upstreamPath: '/v1/chat/completions',
  request: (body) => anthropicRequestToChat(body) as Translated<Json>,
  response: (json, model) => chatResponseToAnthropic(json, model) as unknown as Json,
  error: (status, json) => chatErrorToAnthropic(status, json) as unknown as Json,
  stream: ({ model }) => new ChatToAnthropicStream({ model }),
};

const responsesToAnthropic: Bridge = {
  upstream: anthropicMessages,
  upstreamPath: '/v1/messages',
  request: (body) => responsesRequestToAnthropic(body) as Translated<Json>,
  response: (json, model) => anthropicResponseToResponses(json, model) as unknown as Json,
  error: (status, json) => anthropicErrorToResponses(status, json) as unknown as Json,
  stream: ({ model }) => new AnthropicToResponsesStream({ model }),
};

const responsesToChat: Bridge = {
  upstream: openAiChat,
  upstreamPath: '/v1/chat/completions',
  request: (body) => responsesRequestToChat(body) as Translated<Json>,
  response: (json, model) => chatResponseToResponses(json, model) as unknown as Json,
  error: (status, json) => chatErrorToResponses(status, json) as unknown as Json,
  stream: ({ model }) => new ChatToResponsesStream({ model }),
};

/**
 * OpenAI-format providers that serve the Responses API themselves. The others (Groq, DeepSeek, Together…) speak chat
 * completions only, so Responses requests to them are translated. A route without a provider name (a plain
 * `upstream_url`) is taken to serve it too.
 */
const RESPONSES_NATIVE = new Set(['', 'openai', 'generic', 'azure_openai']);

/**
 * How a client format reaches a provider: `native` when the provider speaks it, a bridge when a translator pair
 * serves it, undefined when neither does.
 */
export function bridgeFor(client: FormatName, provider: { readonly apiFormat: ApiFormat; readonly name: string }): Bridge | 'native' | undefined {
  switch (client) {
    case 'openai-chat':
      return provider.apiFormat === 'openai' ? 'native' : provider.apiFormat === 'anthropic' ? chatToAnthropic : undefined;
    case 'anthropic-messages':
      return provider.apiFormat === 'anthropic' ? 'native' : provider.apiFormat === 'openai' ? anthropicToChat : undefined;
    case 'openai-responses':
      if (provider.apiFormat === 'anthropic') return responsesToAnthropic;
      if (provider.apiFormat !== 'openai') return undefined;
      return RESPONSES_NATIVE.has(provider.name) ? 'native' : responsesToChat;
  }
}
