// An OpenAI chat completions client served by an Anthropic messages model: the request goes out as Anthropic,
// the response, stream and errors come back as OpenAI chat. Pure: no I/O, no clock unless the caller omits one.
import { parseJsonData } from '../formats/types.js';
import type { Json } from '../usage/usage.js';
import {
  given,
  isHttpUrl,
  isObject,
  nonNegative,
  parseArguments,
  parseDataUrl,
  sse,
  translating,
  Unsupported,
  type Translated,
} from './common.js';
import type {
  AnthropicBlock,
  AnthropicMessage,
  AnthropicRequest,
  AnthropicTool,
  AnthropicToolChoice,
  ChatErrorBody,
  ChatResponse,
  ChatToolCall,
  ChatUsageBody,
} from './types.js';

/** Anthropic requires max_tokens; OpenAI makes it optional. This is what we send when the client gave none. */
export const DEFAULT_MAX_TOKENS = 4096;

function refuse(feature: string): never {
  throw new Unsupported(`${feature} is not supported when an OpenAI chat request is served by an Anthropic model`);
}

/** Parameters that change nothing Anthropic could honour, so they are accepted and left out (docs/translation.md). */
const IGNORED = new Set(['metadata', 'prompt_cache_key', 'store', 'safety_identifier']);

const HANDLED = new Set([
  'model', 'messages', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'stop', 'stream',
  'stream_options', 'tools', 'tool_choice', 'parallel_tool_calls', 'functions', 'function_call', 'user', 'n',
  'logprobs', 'top_logprobs', 'modalities', 'response_format', 'presence_penalty', 'frequency_penalty', 'logit_bias',
  'service_tier',
]);

/** Each parameter's "off" values; anything else has no Anthropic equivalent. */
function checkParameters(body: Json): void {
  for (const [key, value] of Object.entries(body)) {
    if (!given(value) || HANDLED.has(key) || IGNORED.has(key)) continue;
    if (key === 'audio') refuse('audio output');
    refuse(`the "${key}" parameter`);
  }
  if (given(body.n) && body.n !== 1) refuse('n > 1');
  if (body.logprobs === true || given(body.top_logprobs)) refuse('logprobs');
  if (Array.isArray(body.modalities) && body.modalities.some((m) => m !== 'text')) refuse('audio output');
  if (given(body.response_format) && !(isObject(body.response_format) && body.response_format.type === 'text')) {
    refuse('response_format (JSON mode and structured outputs)');
  }
  if (given(body.presence_penalty) && body.presence_penalty !== 0) refuse('presence_penalty');
  if (given(body.frequency_penalty) && body.frequency_penalty !== 0) refuse('frequency_penalty');
  if (isObject(body.logit_bias) && Object.keys(body.logit_bias).length) refuse('logit_bias');
  if (body.store === true) refuse('store');
  if (given(body.service_tier) && body.service_tier !== 'auto' && body.service_tier !== 'default') {
    refuse(`service_tier "${String(body.service_tier)}"`);
  }
}

function textOf(content: unknown, where: string): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => {
      if (isObject(part) && part.type === 'text' && typeof part.text === 'string') return part.text;
      if (isObject(part) && part.type === 'refusal' && typeof part.refusal === 'string') return part.refusal;
      return refuse(`${isObject(part) ? String(part.type) : 'non-object'} content in ${where}`);
    })
    .join('\n\n');
}

function imageBlock(part: Json): AnthropicBlock {
  const image = isObject(part.image_url) ? part.image_url : undefined;
  const url = typeof image?.url === 'string' ? image.url : typeof part.image_url === 'string' ? part.image_url : '';
  const data = parseDataUrl(url);
  if (data) return { type: 'image', source: { type: 'base64', media_type: data.mediaType, data: data.data } };
  if (isHttpUrl(url)) return { type: 'image', source: { type: 'url', url } };
  return refuse('an image URL that is neither a base64 data URL nor http(s)');
}

function fileBlock(part: Json): AnthropicBlock {
  const file = isObject(part.file) ? part.file : {};
  const data = typeof file.file_data === 'string' ? parseDataUrl(file.file_data) : undefined;
  if (data?.mediaType === 'application/pdf') {
    return { type: 'document', source: { type: 'base64', media_type: data.mediaType, data: data.data } };
  }
  return refuse('a file part other than a base64 PDF in file_data');
}

function userBlocks(content: unknown): string | AnthropicBlock[] {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return refuse('a user message without string or array content');
  const blocks: AnthropicBlock[] = [];
  for (const part of content) {
    if (!isObject(part)) refuse('a non-object content part');
    if (part.type === 'text') {
      if (typeof part.text === 'string' && part.text) blocks.push({ type: 'text', text: part.text });
    } else if (part.type === 'image_url') blocks.push(imageBlock(part));
    else if (part.type === 'file') blocks.push(fileBlock(part));
    else if (part.type === 'input_audio') refuse('audio input');
    else refuse(`the "${String(part.type)}" content part`);
  }
  return blocks;
}

function toolUse(call: unknown): AnthropicBlock {
  if (!isObject(call) || !isObject(call.function)) return refuse('a tool call that is not a function call');
  if (call.type !== undefined && call.type !== 'function') refuse(`the "${String(call.type)}" tool call type`);
  const input = parseArguments(call.function.arguments);
  if (!input) refuse('tool call arguments that are not a JSON object');
  return { type: 'tool_use', id: String(call.id ?? ''), name: String(call.function.name ?? ''), input };
}

interface Conversation {
  system: string[];
  messages: AnthropicMessage[];
  /** Ids made up for legacy `function_call` turns, by function name, waiting for their `function` result. */
  legacyIds: Map<string, string[]>;
}

function blocksOf(content: string | AnthropicBlock[]): AnthropicBlock[] {
  return typeof content === 'string' ? (content ? [{ type: 'text', text: content }] : []) : content;
}

/** Appends a turn; consecutive turns of one role become one (tool results first, as Anthropic requires). */
function append(conv: Conversation, role: 'user' | 'assistant', content: string | AnthropicBlock[]): void {
  const last = conv.messages.at(-1);
  if (last && last.role === role) last.content = [...blocksOf(last.content), ...blocksOf(content)];
  else conv.messages.push({ role, content });
}

function assistantTurn(conv: Conversation, message: Json): void {
  if (given(message.audio)) refuse('assistant audio');
  const blocks: AnthropicBlock[] = [];
  const text = textOf(message.content, 'an assistant message').concat(typeof message.refusal === 'string' ? message.refusal : '');
  if (text) blocks.push({ type: 'text', text });
  if (Array.isArray(message.tool_calls)) for (const call of message.tool_calls) blocks.push(toolUse(call));
  if (isObject(message.function_call)) {
    const name = String(message.function_call.name ?? '');
    const id = `call_legacy_${conv.messages.length}_${name}`;
    conv.legacyIds.set(name, [...(conv.legacyIds.get(name) ?? []), id]);
    blocks.push(toolUse({ id, type: 'function', function: message.function_call }));
  }
  if (!blocks.length) return; // an empty assistant turn carries nothing, and Anthropic rejects empty content
  const onlyText = blocks.length === 1 && typeof message.content === 'string';
  append(conv, 'assistant', onlyText ? text : blocks);
}

function toolResult(id: string, content: unknown): AnthropicBlock {
  if (typeof content === 'string') return { type: 'tool_result', tool_use_id: id, content };
  return { type: 'tool_result', tool_use_id: id, content: textOf(content, 'a tool message') };
}

function convertMessages(messages: unknown[]): Conversation {
  const conv: Conversation = { system: [], messages: [], legacyIds: new Map() };
  for (const message of messages) {
    if (!isObject(message)) refuse('a message that is not an object');
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = textOf(message.content, `a ${message.role} message`);
        if (text) conv.system.push(text);
        break;
      }
      case 'user':
        append(conv, 'user', userBlocks(message.content));
        break;
      case 'assistant':
        assistantTurn(conv, message);
        break;
      case 'tool':
        append(conv, 'user', [toolResult(String(message.tool_call_id ?? ''), message.content)]);
        break;
      case 'function': {
        const name = String(message.name ?? '');
        const id = conv.legacyIds.get(name)?.shift() ?? `call_legacy_${name}`;
        append(conv, 'user', [toolResult(id, message.content)]);
        break;
      }
      default:
        refuse(`the "${String(message.role)}" message role`);
    }
  }
  return conv;
}

function convertTools(body: Json): AnthropicTool[] | undefined {
  const tools: AnthropicTool[] = [];
  const define = (fn: unknown): void => {
    if (!isObject(fn) || typeof fn.name !== 'string') return refuse('a function tool without a name');
    const schema = isObject(fn.parameters) ? fn.parameters : { type: 'object', properties: {} };
    tools.push({ name: fn.name, ...(typeof fn.description === 'string' ? { description: fn.description } : {}), input_schema: schema });
  };
  if (Array.isArray(body.tools)) {
    for (const tool of body.tools) {
      if (!isObject(tool) || tool.type !== 'function') refuse(`the "${isObject(tool) ? String(tool.type) : '?'}" tool type`);
      define(tool.function);
    }
  }
  if (Array.isArray(body.functions)) for (const fn of body.functions) define(fn);
  return tools.length ? tools : undefined;
}

function convertToolChoice(body: Json): AnthropicToolChoice | undefined {
  const choice = given(body.tool_choice) ? body.tool_choice : body.function_call;
  const noParallel = body.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {};
  if (!given(choice)) return body.parallel_tool_calls === false ? { type: 'auto', ...noParallel } : undefined;
  if (choice === 'auto') return { type: 'auto', ...noParallel };
  if (choice === 'required') return { type: 'any', ...noParallel };
  if (choice === 'none') return { type: 'none' };
  if (isObject(choice)) {
    const fn = isObject(choice.function) ? choice.function : choice; // legacy function_call is {name}
    if ((choice.type === 'function' || choice.type === undefined) && typeof fn.name === 'string') {
      return { type: 'tool', name: fn.name, ...noParallel };
    }
  }
  return refuse(`tool_choice ${JSON.stringify(choice)}`);
}

function maxTokens(body: Json): number {
  const value = given(body.max_completion_tokens) ? body.max_completion_tokens : body.max_tokens;
  if (!given(value)) return DEFAULT_MAX_TOKENS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) return refuse('a max_tokens that is not a positive integer');
  return value;
}

function stopSequences(stop: unknown): string[] | undefined {
  if (!given(stop)) return undefined;
  const list = typeof stop === 'string' ? [stop] : stop;
  if (!Array.isArray(list) || list.some((s) => typeof s !== 'string')) return refuse('a stop that is not a string or list of strings');
  return list.length ? (list as string[]) : undefined;
}

export function chatRequestToAnthropic(body: Json): Translated<AnthropicRequest> {
  return translating(() => {
    checkParameters(body);
    if (!Array.isArray(body.messages)) refuse('a request without a messages array');
    const conv = convertMessages(body.messages);
    const out: AnthropicRequest = { model: String(body.model ?? ''), max_tokens: maxTokens(body), messages: conv.messages };
    if (conv.system.length) out.system = conv.system.join('\n\n');
    const tools = convertTools(body);
    if (tools) {
      out.tools = tools;
      const choice = convertToolChoice(body);
      if (choice) out.tool_choice = choice;
    }
    const stop = stopSequences(body.stop);
    if (stop) out.stop_sequences = stop;
    if (given(body.temperature)) {
      if (typeof body.temperature !== 'number' || body.temperature > 1) refuse('a temperature above 1 (Anthropic accepts 0 to 1)');
      out.temperature = body.temperature;
    }
    if (typeof body.top_p === 'number') out.top_p = body.top_p;
    if (body.stream === true) out.stream = true;
    const user = typeof body.user === 'string' && body.user ? body.user : body.safety_identifier;
    if (typeof user === 'string' && user) out.metadata = { user_id: user };
    return out;
  });
}

const FINISH_REASON: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

export function finishReasonFromAnthropic(stopReason: unknown): string {
  return (typeof stopReason === 'string' && FINISH_REASON[stopReason]) || 'stop';
}

/** Anthropic counts cache reads and writes apart from input_tokens; OpenAI's prompt_tokens include them. */
export function chatUsageFromAnthropic(usage: unknown): ChatUsageBody {
  const u = isObject(usage) ? usage : {};
  const cacheRead = nonNegative(u.cache_read_input_tokens);
  const prompt = nonNegative(u.input_tokens) + cacheRead + nonNegative(u.cache_creation_input_tokens);
  const completion = nonNegative(u.output_tokens);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cacheRead },
  };
}

/**
 * A non-stream Anthropic message as a chat completion. `model` is the name the client asked for; `created` is
 * Unix seconds (now when omitted).
 */
export function anthropicResponseToChat(json: Json, model: string, created = Math.floor(Date.now() / 1000)): ChatResponse {
  let text = '';
  const toolCalls: ChatToolCall[] = [];
  for (const block of Array.isArray(json.content) ? json.content : []) {
    if (!isObject(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string') text += block.text;
    else if (block.type === 'tool_use') {
      toolCalls.push({
        id: String(block.id ?? ''),
        type: 'function',
        function: { name: String(block.name ?? ''), arguments: JSON.stringify(isObject(block.input) ? block.input : {}) },
      });
    }
  }
  const message: ChatResponse['choices'][number]['message'] = { role: 'assistant', content: text || (toolCalls.length ? null : ''), refusal: null };
  if (toolCalls.length) message.tool_calls = toolCalls;
  return {
    id: String(json.id ?? ''),
    object: 'chat.completion',
    created,
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReasonFromAnthropic(json.stop_reason) }],
    usage: chatUsageFromAnthropic(json.usage),
  };
}

const OPENAI_ERROR_TYPE: Record<string, string> = {
  invalid_request_error: 'invalid_request_error',
  not_found_error: 'invalid_request_error',
  request_too_large: 'invalid_request_error',
  authentication_error: 'authentication_error',
  permission_error: 'permission_error',
  rate_limit_error: 'rate_limit_error',
  api_error: 'server_error',
  overloaded_error: 'server_error',
  timeout_error: 'server_error',
};

/** An Anthropic error body (any status) in OpenAI's shape; the HTTP status stays as the provider sent it. */
export function anthropicErrorToChat(status: number, json: unknown): ChatErrorBody {
  const error = isObject(json) && isObject(json.error) ? json.error : undefined;
  const anthropicType = typeof error?.type === 'string' ? error.type : status >= 500 ? 'api_error' : 'invalid_request_error';
  const message = typeof error?.message === 'string' && error.message ? error.message : `the Anthropic upstream answered with status ${status}`;
  return { error: { message, type: OPENAI_ERROR_TYPE[anthropicType] ?? 'server_error', param: null, code: anthropicType } };
}

export interface AnthropicToChatStreamOptions {
  /** The model name the client asked for, repeated in every chunk. */
  model: string;
  /** The client's `stream_options.include_usage`: adds `usage: null` to chunks and a final usage-only chunk. */
  includeUsage: boolean;
  /** Unix seconds for `created` (now when omitted). */
  created?: number;
}

/**
 * Turns an Anthropic message stream into OpenAI chat completion chunks. Feed every upstream event in order;
 * each call returns the SSE strings to send to the client (possibly none).
 */
export class AnthropicToChatStream {
  readonly #model: string;
  readonly #includeUsage: boolean;
  readonly #created: number;
  #id = '';
  #usage: Json = {};
  /** Anthropic content block index -> OpenAI tool call index, for tool_use blocks. */
  readonly #toolIndex = new Map<number, number>();
  #finish: string | undefined;
  #done = false;

  constructor(options: AnthropicToChatStreamOptions) {
    this.#model = options.model;
    this.#includeUsage = options.includeUsage;
    this.#created = options.created ?? Math.floor(Date.now() / 1000);
  }

  /** True once `[DONE]` or an error chunk was emitted: nothing more will be. */
  get done(): boolean {
    return this.#done;
  }

  /** One raw SSE event as the splitter yields it (`data` unparsed). */
  pushSse(event: { event: string; data: string }): string[] {
    const payload = parseJsonData(event.data);
    return payload ? this.push(event.event, payload) : [];
  }

  push(event: string, payload: Json): string[] {
    if (this.#done) return [];
    switch (payload.type ?? event) {
      case 'message_start': {
        const message = isObject(payload.message) ? payload.message : {};
        this.#id = String(message.id ?? '');
        if (isObject(message.usage)) this.#usage = { ...message.usage };
        return [this.#chunk({ role: 'assistant', content: '' })];
      }
      case 'content_block_start':
        return this.#blockStart(payload);
      case 'content_block_delta':
        return this.#blockDelta(payload);
      case 'message_delta': {
        const delta = isObject(payload.delta) ? payload.delta : {};
        if (isObject(payload.usage)) {
          // output_tokens is cumulative; newer API versions repeat the input side here too.
          for (const [key, value] of Object.entries(payload.usage)) if (typeof value === 'number') this.#usage[key] = value;
        }
        if (!given(delta.stop_reason)) return [];
        this.#finish = finishReasonFromAnthropic(delta.stop_reason);
        return [this.#chunk({}, this.#finish)];
      }
      case 'message_stop':
        return this.#end();
      case 'error': {
        this.#done = true;
        return [sse('', anthropicErrorToChat(500, payload))];
      }
      default: // ping, content_block_stop, and event types added later carry nothing a chat client reads
        return [];
    }
  }

  /** The upstream stream ended: closes a stream that never got its `message_stop`. */
  end(): string[] {
    if (this.#done) return [];
    if (this.#finish) return this.#end();
    this.#done = true;
    return [sse('', { error: { message: 'the Anthropic stream ended before the message was complete', type: 'server_error', param: null, code: 'incomplete_stream' } })];
  }

  #blockStart(payload: Json): string[] {
    const block = isObject(payload.content_block) ? payload.content_block : {};
    const index = typeof payload.index === 'number' ? payload.index : 0;
    if (block.type === 'text') return typeof block.text === 'string' && block.text ? [this.#chunk({ content: block.text })] : [];
    if (block.type !== 'tool_use') return []; // thinking blocks: chat has no place for them
    const toolIndex = this.#toolIndex.size;
    this.#toolIndex.set(index, toolIndex);
    const input = isObject(block.input) && Object.keys(block.input).length ? JSON.stringify(block.input) : '';
    const call = { index: toolIndex, id: String(block.id ?? ''), type: 'function', function: { name: String(block.name ?? ''), arguments: input } };
    return [this.#chunk({ tool_calls: [call] })];
  }

  #blockDelta(payload: Json): string[] {
    const delta = isObject(payload.delta) ? payload.delta : {};
    if (delta.type === 'text_delta' && typeof delta.text === 'string' && delta.text) return [this.#chunk({ content: delta.text })];
    if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string' && delta.partial_json) {
      const toolIndex = this.#toolIndex.get(typeof payload.index === 'number' ? payload.index : 0);
      if (toolIndex === undefined) return [];
      return [this.#chunk({ tool_calls: [{ index: toolIndex, function: { arguments: delta.partial_json } }] })];
    }
    return [];
  }

  #end(): string[] {
    this.#done = true;
    const out: string[] = [];
    if (!this.#finish) out.push(this.#chunk({}, 'stop'));
    if (this.#includeUsage) {
      out.push(sse('', { ...this.#base(), choices: [], usage: chatUsageFromAnthropic(this.#usage) }));
    }
    out.push('data: [DONE]\n\n');
    return out;
  }

  #base(): Json {
    return { id: this.#id, object: 'chat.completion.chunk', created: this.#created, model: this.#model };
  }

  #chunk(delta: Json, finishReason: string | null = null): string {
    const chunk: Json = { ...this.#base(), choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] };
    if (this.#includeUsage) chunk.usage = null;
    return sse('', chunk);
  }
}
