// An OpenAI Responses client served by an Anthropic messages model. Everything goes through the chat types: the
// request is read as chat and sent on through chatRequestToAnthropic; the answer comes back through the
// Anthropic -> chat translators and then chat -> Responses. Both legs are exact for what Responses can express.
import { parseJsonData } from '../formats/types.js';
import type { Json } from '../usage/usage.js';
import {
  anthropicErrorToChat,
  anthropicResponseToChat,
  AnthropicToChatStream,
  chatRequestToAnthropic,
} from './chat-to-anthropic.js';
import { translating, Unsupported, type Translated } from './common.js';
import { readResponsesRequest, refusalFor } from './responses-request.js';
import { chatErrorToResponses, chatResponseToResponses, ChatToResponsesStream } from './responses-to-chat.js';
import type { AnthropicRequest, ResponsesErrorBody, ResponsesResponse } from './types.js';

const CHAT_REFUSAL = ' is not supported when an OpenAI chat request is served by an Anthropic model';

/** max_output_tokens -> max_tokens, DEFAULT_MAX_TOKENS (4096) when absent, as for chat clients. */
export function responsesRequestToAnthropic(body: Json): Translated<AnthropicRequest> {
  return translating(() => {
    const chat = readResponsesRequest(body, 'anthropic');
    const result = chatRequestToAnthropic(chat as unknown as Json);
    if ('body' in result) return result.body;
    // A refusal from the chat leg names a feature the Responses request also used; only the wording changes.
    const feature = result.unsupported.endsWith(CHAT_REFUSAL) ? result.unsupported.slice(0, -CHAT_REFUSAL.length) : result.unsupported;
    throw new Unsupported(refusalFor('anthropic', feature));
  });
}

/** A non-stream Anthropic message as a Responses response. `model` is the name the client asked for. */
export function anthropicResponseToResponses(json: Json, model: string, createdAt = Math.floor(Date.now() / 1000)): ResponsesResponse {
  return chatResponseToResponses(anthropicResponseToChat(json, model, createdAt) as unknown as Json, model, createdAt);
}

/** An Anthropic error body (any status) in the Responses (OpenAI) error shape; the status stays as sent. */
export function anthropicErrorToResponses(status: number, json: unknown): ResponsesErrorBody {
  return chatErrorToResponses(status, anthropicErrorToChat(status, json));
}

export interface AnthropicToResponsesStreamOptions {
  /** The model name the client asked for. */
  model: string;
  /** Unix seconds for `created_at` (now when omitted). */
  createdAt?: number;
}

/**
 * Turns an Anthropic message stream into a Responses event stream, by way of chat chunks. Feed every upstream
 * event in order; each call returns the SSE strings to send to the client.
 */
export class AnthropicToResponsesStream {
  readonly #chat: AnthropicToChatStream;
  readonly #responses: ChatToResponsesStream;

  constructor(options: AnthropicToResponsesStreamOptions) {
    const createdAt = options.createdAt ?? Math.floor(Date.now() / 1000);
    this.#chat = new AnthropicToChatStream({ model: options.model, includeUsage: true, created: createdAt });
    this.#responses = new ChatToResponsesStream({ model: options.model, createdAt });
  }

  get done(): boolean {
    return this.#responses.done;
  }

  pushSse(event: { event: string; data: string }): string[] {
    const payload = parseJsonData(event.data);
    return payload ? this.push(event.event, payload) : [];
  }

  push(event: string, payload: Json): string[] {
    return this.#relay(this.#chat.push(event, payload));
  }

  /** The upstream stream ended: closes a finished response, or fails one that was cut off. */
  end(): string[] {
    return [...this.#relay(this.#chat.end()), ...this.#responses.end()];
  }

  #relay(frames: string[]): string[] {
    const out: string[] = [];
    for (const frame of frames) {
      const data = /^data: (.*)$/m.exec(frame)?.[1] ?? '';
      out.push(...this.#responses.pushSse({ event: '', data }));
    }
    return out;
  }
}
