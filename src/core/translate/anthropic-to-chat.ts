// An Anthropic messages client served by an OpenAI chat completions model: the request goes out as OpenAI
// chat, the response, stream and errors come back as Anthropic messages. Pure: no I/O.
import { parseJsonData } from '../formats/types.js';
import type { Json } from '../usage/usage.js';
import {
  given,
  isObject,
  nonNegative,
  parseArguments,
  sse,
  translating,
  Unsupported,
  type Translated,
} from './common.js';
import type {
  AnthropicBlock,
  AnthropicErrorBody,
  AnthropicResponse,
  AnthropicUsageBody,
  ChatMessage,
  ChatPart,
  ChatRequest,
  ChatTool,
  ChatToolCall,
  ChatToolChoice,
} from './types.js';

function refuse(feature: string): never {
  throw new Unsupported(`${feature} is not supported when an Anthropic messages request is served by an OpenAI model`);
}

/** OpenAI rejects more stop sequences than this. */
const MAX_STOP_SEQUENCES = 4;

const HANDLED = new Set([
  'model', 'messages', 'max_tokens', 'system', 'tools', 'tool_choice', 'stop_sequences', 'temperature', 'top_p',
  'top_k', 'stream', 'metadata', 'thinking', 'service_tier',
]);

function checkParameters(body: Json): void {
  for (const [key, value] of Object.entries(body)) {
    if (given(value) && !HANDLED.has(key)) refuse(`the "${key}" parameter`);
  }
  if (given(body.top_k)) refuse('top_k');
  if (isObject(body.thinking) && body.thinking.type !== 'disabled') refuse('extended thinking');
}

function textOf(content: unknown, where: string): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((block) => {
      if (isObject(block) && block.type === 'text' && typeof block.text === 'string') return block.text;
      return refuse(`${isObject(block) ? `the "${String(block.type)}" block` : 'a non-object block'} in ${where}`);
    })
    .join('\n\n');
}

function imagePart(block: Json): ChatPart {
  const source = isObject(block.source) ? block.source : {};
  if (source.type === 'base64' && typeof source.data === 'string') {
    return { type: 'image_url', image_url: { url: `data:${String(source.media_type)};base64,${source.data}` } };
  }
  if (source.type === 'url' && typeof source.url === 'string') return { type: 'image_url', image_url: { url: source.url } };
  return refuse(`an image with a "${String(source.type)}" source`);
}

function documentPart(block: Json): ChatPart {
  const source = isObject(block.source) ? block.source : {};
  if (source.type === 'base64' && source.media_type === 'application/pdf' && typeof source.data === 'string') {
    const filename = typeof block.title === 'string' && block.title ? block.title : 'document.pdf';
    return { type: 'file', file: { filename, file_data: `data:application/pdf;base64,${source.data}` } };
  }
  return refuse('a document other than a base64 PDF');
}

function toolMessage(block: Json): ChatMessage {
  const text = textOf(block.content, 'a tool_result');
  // OpenAI tool messages have no error flag; the model reads it from the text instead.
  return { role: 'tool', tool_call_id: String(block.tool_use_id ?? ''), content: block.is_error === true ? `Error: ${text}` : text };
}

function userMessages(content: unknown): ChatMessage[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  if (!Array.isArray(content)) return refuse('a user message without string or array content');
  const tools: ChatMessage[] = [];
  const parts: ChatPart[] = [];
  for (const block of content) {
    if (!isObject(block)) refuse('a non-object content block');
    if (block.type === 'text') parts.push({ type: 'text', text: String(block.text ?? '') });
    else if (block.type === 'image') parts.push(imagePart(block));
    else if (block.type === 'document') parts.push(documentPart(block));
    else if (block.type === 'tool_result') tools.push(toolMessage(block));
    else refuse(`the "${String(block.type)}" content block`);
  }
  return parts.length ? [...tools, { role: 'user', content: parts }] : tools;
}

function assistantMessage(content: unknown): ChatMessage | undefined {
  if (typeof content === 'string') return { role: 'assistant', content };
  if (!Array.isArray(content)) return refuse('an assistant message without string or array content');
  const texts: string[] = [];
  const calls: ChatToolCall[] = [];
  for (const block of content) {
    if (!isObject(block)) refuse('a non-object content block');
    if (block.type === 'text') texts.push(String(block.text ?? ''));
    else if (block.type === 'tool_use') {
      const input = isObject(block.input) ? block.input : {};
      calls.push({ id: String(block.id ?? ''), type: 'function', function: { name: String(block.name ?? ''), arguments: JSON.stringify(input) } });
    } else if (block.type === 'thinking' || block.type === 'redacted_thinking') {
      continue; // earlier turns' reasoning: an OpenAI model cannot read it back, and it is not part of the answer
    } else refuse(`the "${String(block.type)}" content block`);
  }
  const text = texts.join('');
  if (!text && !calls.length) return undefined;
  return calls.length ? { role: 'assistant', content: text || null, tool_calls: calls } : { role: 'assistant', content: text };
}

function convertTools(tools: unknown): ChatTool[] | undefined {
  if (!Array.isArray(tools) || !tools.length) return undefined;
  return tools.map((tool) => {
    if (!isObject(tool) || typeof tool.name !== 'string') return refuse('a tool without a name');
    if (given(tool.type) && tool.type !== 'custom') refuse(`the server tool "${String(tool.type)}"`);
    const fn: ChatTool['function'] = { name: tool.name, parameters: isObject(tool.input_schema) ? tool.input_schema : { type: 'object', properties: {} } };
    if (typeof tool.description === 'string') fn.description = tool.description;
    return { type: 'function', function: fn };
  });
}

function convertToolChoice(choice: unknown): { choice?: ChatToolChoice; parallel?: false } {
  if (!given(choice)) return {};
  if (!isObject(choice)) return refuse(`tool_choice ${JSON.stringify(choice)}`);
  const parallel = choice.disable_parallel_tool_use === true ? { parallel: false as const } : {};
  switch (choice.type) {
    case 'auto':
      return { choice: 'auto', ...parallel };
    case 'any':
      return { choice: 'required', ...parallel };
    case 'none':
      return { choice: 'none' };
    case 'tool':
      if (typeof choice.name === 'string') return { choice: { type: 'function', function: { name: choice.name } }, ...parallel };
  }
  return refuse(`tool_choice ${JSON.stringify(choice)}`);
}

export interface AnthropicRequestToChatOptions {
  /**
   * Where Anthropic's max_tokens goes. `max_completion_tokens` (the default) is what current OpenAI models,
   * reasoning ones included, accept; some OpenAI-compatible providers only know `max_tokens`.
   */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
}

export function anthropicRequestToChat(body: Json, options: AnthropicRequestToChatOptions = {}): Translated<ChatRequest> {
  return translating(() => {
    checkParameters(body);
    if (!Array.isArray(body.messages)) refuse('a request without a messages array');
    const messages: ChatMessage[] = [];
    const system = textOf(body.system, 'the system prompt');
    if (system) messages.push({ role: 'system', content: system });
    for (const message of body.messages) {
      if (!isObject(message)) refuse('a message that is not an object');
      if (message.role === 'user') messages.push(...userMessages(message.content));
      else if (message.role === 'assistant') {
        const converted = assistantMessage(message.content);
        if (converted) messages.push(converted);
      } else refuse(`the "${String(message.role)}" message role`);
    }
    const out: ChatRequest = { model: String(body.model ?? ''), messages };
    if (given(body.max_tokens)) out[options.maxTokensField ?? 'max_completion_tokens'] = body.max_tokens as number;
    const tools = convertTools(body.tools);
    if (tools) {
      out.tools = tools;
      const { choice, parallel } = convertToolChoice(body.tool_choice);
      if (choice) out.tool_choice = choice;
      if (parallel === false) out.parallel_tool_calls = false;
    }
    if (Array.isArray(body.stop_sequences) && body.stop_sequences.length) {
      if (body.stop_sequences.length > MAX_STOP_SEQUENCES) refuse(`more than ${MAX_STOP_SEQUENCES} stop_sequences`);
      out.stop = body.stop_sequences.map(String);
    }
    if (typeof body.temperature === 'number') out.temperature = body.temperature;
    if (typeof body.top_p === 'number') out.top_p = body.top_p;
    if (body.stream === true) {
      out.stream = true;
      out.stream_options = { include_usage: true };
    }
    const metadata = isObject(body.metadata) ? body.metadata : {};
    if (typeof metadata.user_id === 'string' && metadata.user_id) out.user = metadata.user_id;
    return out;
  });
}

const STOP_REASON: Record<string, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
};

export function stopReasonFromChat(finishReason: unknown): string {
  return (typeof finishReason === 'string' && STOP_REASON[finishReason]) || 'end_turn';
}

/** OpenAI's prompt_tokens include cached tokens; Anthropic's input_tokens do not. */
export function anthropicUsageFromChat(usage: unknown): AnthropicUsageBody {
  const u = isObject(usage) ? usage : {};
  const details = isObject(u.prompt_tokens_details) ? u.prompt_tokens_details : {};
  const prompt = nonNegative(u.prompt_tokens);
  const cached = Math.min(nonNegative(details.cached_tokens), prompt);
  return {
    input_tokens: prompt - cached,
    output_tokens: nonNegative(u.completion_tokens),
    cache_read_input_tokens: cached,
    cache_creation_input_tokens: 0,
  };
}

function toolUseBlock(call: unknown): AnthropicBlock | undefined {
  if (!isObject(call) || !isObject(call.function)) return undefined;
  // Arguments cut off by max tokens are not JSON; an empty input is the closest Anthropic can carry.
  const input = parseArguments(call.function.arguments) ?? {};
  return { type: 'tool_use', id: String(call.id ?? ''), name: String(call.function.name ?? ''), input };
}

/** A non-stream chat completion as an Anthropic message. `model` is the name the client asked for. */
export function chatResponseToAnthropic(json: Json, model: string): AnthropicResponse {
  const choice = Array.isArray(json.choices) && isObject(json.choices[0]) ? json.choices[0] : {};
  const message = isObject(choice.message) ? choice.message : {};
  const content: AnthropicBlock[] = [];
  const text = typeof message.content === 'string' ? message.content : Array.isArray(message.content) ? textOf(message.content, 'the response') : '';
  if (text) content.push({ type: 'text', text });
  if (typeof message.refusal === 'string' && message.refusal) content.push({ type: 'text', text: message.refusal });
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) {
      const block = toolUseBlock(call);
      if (block) content.push(block);
    }
  }
  if (isObject(message.function_call)) {
    const block = toolUseBlock({ id: `call_${String(json.id ?? '')}`, function: message.function_call });
    if (block) content.push(block);
  }
  return {
    id: String(json.id ?? ''),
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stopReasonFromChat(choice.finish_reason),
    stop_sequence: null,
    usage: anthropicUsageFromChat(json.usage),
  };
}

const ANTHROPIC_ERROR_TYPE: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  503: 'overloaded_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/** An OpenAI error body (any status) in Anthropic's shape; the HTTP status stays as the provider sent it. */
export function chatErrorToAnthropic(status: number, json: unknown): AnthropicErrorBody {
  const error = isObject(json) && isObject(json.error) ? json.error : undefined;
  const message = typeof error?.message === 'string' && error.message ? error.message : `the OpenAI upstream answered with status ${status}`;
  const type = ANTHROPIC_ERROR_TYPE[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  return { type: 'error', error: { type, message } };
}

export interface ChatToAnthropicStreamOptions {
  /** The model name the client asked for, as message_start reports it. */
  model: string;
}

type OpenBlock = { kind: 'text'; index: number } | { kind: 'tool'; index: number };

/**
 * Turns OpenAI chat completion chunks into an Anthropic message stream. Feed every upstream chunk in order
 * (`pushSse` also takes `[DONE]`); each call returns the SSE strings to send to the client.
 */
export class ChatToAnthropicStream {
  readonly #model: string;
  #started = false;
  #done = false;
  #open: OpenBlock | undefined;
  #nextIndex = 0;
  /** OpenAI tool call index -> Anthropic content block index. */
  readonly #toolBlocks = new Map<number, number>();
  #stopReason: string | undefined;
  #usage: Json | undefined;

  constructor(options: ChatToAnthropicStreamOptions) {
    this.#model = options.model;
  }

  get done(): boolean {
    return this.#done;
  }

  /** One raw SSE event as the splitter yields it; `[DONE]` finishes the message. */
  pushSse(event: { event: string; data: string }): string[] {
    if (event.data.trim() === '[DONE]') return this.finish();
    const payload = parseJsonData(event.data);
    return payload ? this.push(payload) : [];
  }

  push(chunk: Json): string[] {
    if (this.#done) return [];
    if (isObject(chunk.error)) {
      this.#done = true;
      return [sse('error', chatErrorToAnthropic(500, chunk))]; // mid-stream errors carry no status
    }
    const out: string[] = [];
    if (!this.#started) out.push(this.#start(chunk));
    const choice = Array.isArray(chunk.choices) ? chunk.choices.find((c) => isObject(c) && (c.index ?? 0) === 0) : undefined;
    if (isObject(choice)) {
      const delta = isObject(choice.delta) ? choice.delta : {};
      for (const text of [delta.content, delta.refusal]) {
        if (typeof text === 'string' && text) out.push(...this.#text(text));
      }
      if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) if (isObject(call)) out.push(...this.#toolCall(call));
      if (typeof choice.finish_reason === 'string' && choice.finish_reason) {
        out.push(...this.#close());
        this.#stopReason = stopReasonFromChat(choice.finish_reason);
      }
    }
    if (isObject(chunk.usage)) this.#usage = chunk.usage;
    if (this.#stopReason && this.#usage) out.push(...this.#end());
    return out;
  }

  /** The upstream sent `[DONE]`: ends the message even when no usage chunk came. */
  finish(): string[] {
    if (this.#done) return [];
    const out = this.#started ? [] : [this.#start({})];
    out.push(...this.#close());
    this.#stopReason ??= 'end_turn';
    return [...out, ...this.#end()];
  }

  /** The upstream stream ended: completes a finished message, or reports one that was cut off. */
  end(): string[] {
    if (this.#done) return [];
    if (this.#stopReason) return this.#end();
    this.#done = true;
    return [sse('error', { type: 'error', error: { type: 'api_error', message: 'the OpenAI stream ended before the message was complete' } })];
  }

  #start(chunk: Json): string {
    this.#started = true;
    const message = {
      id: String(chunk.id ?? ''),
      type: 'message',
      role: 'assistant',
      model: this.#model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    };
    return sse('message_start', { type: 'message_start', message });
  }

  #text(text: string): string[] {
    const out: string[] = [];
    if (this.#open?.kind !== 'text') {
      out.push(...this.#close());
      this.#open = { kind: 'text', index: this.#nextIndex++ };
      out.push(sse('content_block_start', { type: 'content_block_start', index: this.#open.index, content_block: { type: 'text', text: '' } }));
    }
    out.push(sse('content_block_delta', { type: 'content_block_delta', index: this.#open.index, delta: { type: 'text_delta', text } }));
    return out;
  }

  #toolCall(call: Json): string[] {
    const out: string[] = [];
    const toolIndex = typeof call.index === 'number' ? call.index : 0;
    const fn = isObject(call.function) ? call.function : {};
    let index = this.#toolBlocks.get(toolIndex);
    if (index === undefined) {
      out.push(...this.#close());
      index = this.#nextIndex++;
      this.#toolBlocks.set(toolIndex, index);
      this.#open = { kind: 'tool', index };
      const block = { type: 'tool_use', id: String(call.id ?? ''), name: String(fn.name ?? ''), input: {} };
      out.push(sse('content_block_start', { type: 'content_block_start', index, content_block: block }));
    }
    // OpenAI sends one call's fragments before the next call starts; a late fragment still names its block.
    if (typeof fn.arguments === 'string' && fn.arguments) {
      out.push(sse('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: fn.arguments } }));
    }
    return out;
  }

  #close(): string[] {
    if (!this.#open) return [];
    const index = this.#open.index;
    this.#open = undefined;
    return [sse('content_block_stop', { type: 'content_block_stop', index })];
  }

  #end(): string[] {
    this.#done = true;
    const usage = this.#usage ? anthropicUsageFromChat(this.#usage) : { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
    return [
      ...this.#close(),
      sse('message_delta', { type: 'message_delta', delta: { stop_reason: this.#stopReason ?? 'end_turn', stop_sequence: null }, usage }),
      sse('message_stop', { type: 'message_stop' }),
    ];
  }
}
