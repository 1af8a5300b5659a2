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

/** The bridge from a client format to a provider format, or undefined when none is built. */
export function bridgeFor(client: FormatName, provider: ApiFormat): Bridge | undefined {
  if (client === 'openai-chat' && provider === 'anthropic') return chatToAnthropic;
  if (client === 'anthropic-messages' && provider === 'openai') return anthropicToChat;
  return undefined;
}
