// An OpenAI Responses client served by an OpenAI chat completions model: the request goes out as chat, the
// response, stream and errors come back as Responses. Pure: no I/O, no clock unless the caller omits one.
import { parseJsonData } from '../formats/types.js';
import type { Json } from '../usage/usage.js';
import { given, isObject, nonNegative, sse, translating, type Translated } from './common.js';
import { readResponsesRequest } from './responses-request.js';
import type {
  ChatRequest,
  ResponsesContentPart,
  ResponsesErrorBody,
  ResponsesOutputItem,
  ResponsesResponse,
  ResponsesUsageBody,
} from './types.js';

export function responsesRequestToChat(body: Json): Translated<ChatRequest> {
  return translating(() => readResponsesRequest(body, 'chat'));
}

/** Chat's prompt_tokens and Responses' input_tokens both include cached tokens, so the numbers carry over. */
export function responsesUsageFromChat(usage: unknown): ResponsesUsageBody {
  const u = isObject(usage) ? usage : {};
  const prompt = isObject(u.prompt_tokens_details) ? u.prompt_tokens_details : {};
  const completion = isObject(u.completion_tokens_details) ? u.completion_tokens_details : {};
  const input = nonNegative(u.prompt_tokens);
  const output = nonNegative(u.completion_tokens);
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: nonNegative(prompt.cached_tokens) },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: nonNegative(completion.reasoning_tokens) },
    total_tokens: input + output,
  };
}

/** Chat finish reasons that end a Responses response as `incomplete`, with the reason it gives. */
const INCOMPLETE: Record<string, string> = { length: 'max_output_tokens', content_filter: 'content_filter' };

function status(finishReason: unknown): Pick<ResponsesResponse, 'status' | 'incomplete_details'> {
  const reason = typeof finishReason === 'string' ? INCOMPLETE[finishReason] : undefined;
  return reason ? { status: 'incomplete', incomplete_details: { reason } } : { status: 'completed', incomplete_details: null };
}

/** The Responses id for an upstream id; stream and body use the same one. */
export function responsesId(upstreamId: unknown): string {
  const id = typeof upstreamId === 'string' ? upstreamId : '';
  return id.startsWith('resp_') ? id : `resp_${id}`;
}

function itemId(kind: 'msg' | 'fc', responseId: string, outputIndex: number): string {
  return `${kind}_${responseId.slice('resp_'.length)}_${outputIndex}`;
}

/**
 * A non-stream chat completion as a Responses response. `model` is the name the client asked for; `createdAt`
 * is Unix seconds (now when omitted).
 */
export function chatResponseToResponses(json: Json, model: string, createdAt = Math.floor(Date.now() / 1000)): ResponsesResponse {
  const id = responsesId(json.id);
  const choice = Array.isArray(json.choices) && isObject(json.choices[0]) ? json.choices[0] : {};
  const message = isObject(choice.message) ? choice.message : {};
  const done = status(choice.finish_reason);
  const itemStatus = done.status === 'completed' ? 'completed' : 'incomplete';
  const output: ResponsesOutputItem[] = [];
  const content: ResponsesContentPart[] = [];
  const text = typeof message.content === 'string' ? message.content : '';
  if (text) content.push({ type: 'output_text', text, annotations: [] });
  if (typeof message.refusal === 'string' && message.refusal) content.push({ type: 'refusal', refusal: message.refusal });
  if (content.length) output.push({ id: itemId('msg', id, 0), type: 'message', status: itemStatus, role: 'assistant', content });
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  if (isObject(message.function_call)) calls.push({ id: `call_${String(json.id ?? '')}`, function: message.function_call });
  for (const call of calls) {
    if (!isObject(call) || !isObject(call.function)) continue;
    const args = call.function.arguments;
    output.push({
      id: itemId('fc', id, output.length),
      type: 'function_call',
      status: itemStatus,
      call_id: String(call.id ?? ''),
      name: String(call.function.name ?? ''),
      arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}),
    });
  }
  return { id, object: 'response', created_at: createdAt, ...done, error: null, model, output, usage: responsesUsageFromChat(json.usage) };
}

/**
 * An OpenAI chat error body (any status) in the Responses error shape, which is the same `{error: {message, type,
 * param, code}}`; fields are normalised and a body that is not an error JSON still gets a message.
 */
export function chatErrorToResponses(status: number, json: unknown): ResponsesErrorBody {
  const error = isObject(json) && isObject(json.error) ? json.error : undefined;
  const message = typeof error?.message === 'string' && error.message ? error.message : `the upstream answered with status ${status}`;
  const type = typeof error?.type === 'string' && error.type ? error.type : status >= 500 ? 'server_error' : 'invalid_request_error';
  return {
    error: {
      message,
      type,
      param: typeof error?.param === 'string' ? error.param : null,
      code: typeof error?.code === 'string' ? error.code : null,
    },
  };
}

/** A Responses `response.error.code` for an OpenAI error type or code. */
function failureCode(type: unknown): string {
  return type === 'rate_limit_error' || type === 'rate_limit_exceeded' ? 'rate_limit_exceeded' : 'server_error';
}

export interface ChatToResponsesStreamOptions {
  /** The model name the client asked for, as every response snapshot reports it. */
  model: string;
  /** Unix seconds for `created_at` (now when omitted). */
  createdAt?: number;
}

type OpenItem =
  | { kind: 'message'; outputIndex: number; part: 'output_text' | 'refusal' | undefined; text: string }
  | { kind: 'call'; outputIndex: number; toolIndex: number };

/**
 * Turns OpenAI chat completion chunks into a Responses event stream. Feed every upstream chunk in order
 * (`pushSse` also takes `[DONE]`); each call returns the SSE strings to send to the client. Every event carries a
 * `sequence_number`; the stream ends with `response.completed` or `response.incomplete` (whole response, usage
 * included), or with `error` and `response.failed`.
 */
export class ChatToResponsesStream {
  readonly #model: string;
  readonly #createdAt: number;
  #id = '';
  #sequence = 0;
  #started = false;
  #done = false;
  readonly #output: ResponsesOutputItem[] = [];
  #open: OpenItem | undefined;
  /** Chat tool call index -> output index of its function_call item. */
  readonly #calls = new Map<number, number>();
  #finish: string | undefined;
  #usage: Json | undefined;

  constructor(options: ChatToResponsesStreamOptions) {
    this.#model = options.model;
    this.#createdAt = options.createdAt ?? Math.floor(Date.now() / 1000);
  }

  /** True once the closing event was emitted: nothing more will be. */
  get done(): boolean {
    return this.#done;
  }

  /** One raw SSE event as the splitter yields it; `[DONE]` finishes the response. */
  pushSse(event: { event: string; data: string }): string[] {
    if (event.data.trim() === '[DONE]') return this.finish();
    const payload = parseJsonData(event.data);
    return payload ? this.push(payload) : [];
  }

  push(chunk: Json): string[] {
    if (this.#done) return [];
    const out: string[] = [];
    if (!this.#started) out.push(...this.#start(chunk.id));
    if (isObject(chunk.error)) return [...out, ...this.#fail(chunk.error)];
    const choice = Array.isArray(chunk.choices) ? chunk.choices.find((c) => isObject(c) && (c.index ?? 0) === 0) : undefined;
    if (isObject(choice)) {
      const delta = isObject(choice.delta) ? choice.delta : {};
      if (typeof delta.content === 'string' && delta.content) out.push(...this.#text('output_text', delta.content));
      if (typeof delta.refusal === 'string' && delta.refusal) out.push(...this.#text('refusal', delta.refusal));
      if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) if (isObject(call)) out.push(...this.#toolCall(call));
      if (typeof choice.finish_reason === 'string' && choice.finish_reason) {
        this.#finish = choice.finish_reason;
        out.push(...this.#close(status(this.#finish).status === 'completed' ? 'completed' : 'incomplete'));
      }
    }
    if (isObject(chunk.usage)) this.#usage = chunk.usage;
    if (this.#finish && this.#usage) out.push(...this.#complete());
    return out;
  }

  /** The upstream sent `[DONE]`: completes the response even when no usage chunk came. */
  finish(): string[] {
    if (this.#done) return [];
    const out = this.#started ? [] : this.#start('');
    out.push(...this.#close());
    this.#finish ??= 'stop';
    return [...out, ...this.#complete()];
  }

  /** The upstream stream ended: completes a finished response, or fails one that was cut off. */
  end(): string[] {
    if (this.#done) return [];
    if (this.#finish) return this.#complete();
    const out = this.#started ? [] : this.#start('');
    return [...out, ...this.#fail({ type: 'server_error', code: 'incomplete_stream', message: 'the upstream stream ended before the response was complete' })];
  }

  #event(type: string, fields: Json): string {
    return sse(type, { type, sequence_number: this.#sequence++, ...fields });
  }

  #snapshot(state: Pick<ResponsesResponse, 'status' | 'incomplete_details' | 'error'>, usage: ResponsesUsageBody | null): ResponsesResponse {
    return {
      id: this.#id,
      object: 'response',
      created_at: this.#createdAt,
      status: state.status,
      error: state.error,
      incomplete_details: state.incomplete_details,
      model: this.#model,
      output: structuredClone(this.#output),
      usage,
    };
  }

  #start(upstreamId: unknown): string[] {
    this.#started = true;
    this.#id = responsesId(upstreamId);
    const response = this.#snapshot({ status: 'in_progress', incomplete_details: null, error: null }, null);
    return [this.#event('response.created', { response }), this.#event('response.in_progress', { response })];
  }

  #text(part: 'output_text' | 'refusal', delta: string): string[] {
    const out: string[] = [];
    if (this.#open?.kind !== 'message') {
      out.push(...this.#close());
      const outputIndex = this.#output.length;
      const item: ResponsesOutputItem = { id: itemId('msg', this.#id, outputIndex), type: 'message', status: 'in_progress', role: 'assistant', content: [] };
      this.#output.push(item);
      this.#open = { kind: 'message', outputIndex, part: undefined, text: '' };
      out.push(this.#event('response.output_item.added', { output_index: outputIndex, item: structuredClone(item) }));
    }
    const open = this.#open;
    const item = this.#output[open.outputIndex] as Extract<ResponsesOutputItem, { type: 'message' }>;
    if (open.part !== part) {
      out.push(...this.#closePart());
      open.part = part;
      open.text = '';
      const empty: ResponsesContentPart = part === 'output_text' ? { type: 'output_text', text: '', annotations: [] } : { type: 'refusal', refusal: '' };
      item.content.push(empty);
      out.push(this.#event('response.content_part.added', { item_id: item.id, output_index: open.outputIndex, content_index: item.content.length - 1, part: structuredClone(empty) }));
    }
    open.text += delta;
    const contentIndex = item.content.length - 1;
    const current = item.content[contentIndex]!;
    if (current.type === 'output_text') current.text = open.text;
    else current.refusal = open.text;
    const at = { item_id: item.id, output_index: open.outputIndex, content_index: contentIndex };
    out.push(part === 'output_text' ? this.#event('response.output_text.delta', { ...at, delta, logprobs: [] }) : this.#event('response.refusal.delta', { ...at, delta }));
    return out;
  }

  #closePart(): string[] {
    const open = this.#open;
    if (open?.kind !== 'message' || !open.part) return [];
    const item = this.#output[open.outputIndex] as Extract<ResponsesOutputItem, { type: 'message' }>;
    const contentIndex = item.content.length - 1;
    const at = { item_id: item.id, output_index: open.outputIndex, content_index: contentIndex };
    const done = open.part === 'output_text' ? this.#event('response.output_text.done', { ...at, text: open.text, logprobs: [] }) : this.#event('response.refusal.done', { ...at, refusal: open.text });
    open.part = undefined;
    return [done, this.#event('response.content_part.done', { ...at, part: structuredClone(item.content[contentIndex]) })];
  }

  #toolCall(call: Json): string[] {
    const out: string[] = [];
    const toolIndex = typeof call.index === 'number' ? call.index : 0;
    const fn = isObject(call.function) ? call.function : {};
    let outputIndex = this.#calls.get(toolIndex);
    if (outputIndex === undefined) {
      out.push(...this.#close());
      outputIndex = this.#output.length;
      this.#calls.set(toolIndex, outputIndex);
      const item: ResponsesOutputItem = {
        id: itemId('fc', this.#id, outputIndex),
        type: 'function_call',
        status: 'in_progress',
        call_id: String(call.id ?? ''),
        name: String(fn.name ?? ''),
        arguments: '',
      };
      this.#output.push(item);
      this.#open = { kind: 'call', outputIndex, toolIndex };
      out.push(this.#event('response.output_item.added', { output_index: outputIndex, item: structuredClone(item) }));
    }
    const item = this.#output[outputIndex] as Extract<ResponsesOutputItem, { type: 'function_call' }>;
    if (typeof fn.arguments === 'string' && fn.arguments) {
      item.arguments += fn.arguments;
      // OpenAI sends one call's fragments before the next call starts; a late fragment for a call whose item is
      // already done only reaches the final response.
      if (this.#open?.kind === 'call' && this.#open.outputIndex === outputIndex) {
        out.push(this.#event('response.function_call_arguments.delta', { item_id: item.id, output_index: outputIndex, delta: fn.arguments }));
      }
    }
    return out;
  }

  /** Closes the open output item, marking it `status` (completed unless the response ends incomplete). */
  #close(status: 'completed' | 'incomplete' = 'completed'): string[] {
    const open = this.#open;
    if (!open) return [];
    const out = this.#closePart();
    this.#open = undefined;
    const item = this.#output[open.outputIndex]!;
    item.status = status;
    if (item.type === 'function_call') {
      out.push(this.#event('response.function_call_arguments.done', { item_id: item.id, output_index: open.outputIndex, name: item.name, arguments: item.arguments }));
    }
    out.push(this.#event('response.output_item.done', { output_index: open.outputIndex, item: structuredClone(item) }));
    return out;
  }

  #complete(): string[] {
    this.#done = true;
    const state = status(this.#finish);
    const out = this.#close(state.status === 'completed' ? 'completed' : 'incomplete');
    const usage = responsesUsageFromChat(this.#usage);
    const type = state.status === 'completed' ? 'response.completed' : 'response.incomplete';
    out.push(this.#event(type, { response: this.#snapshot({ ...state, error: null }, usage) }));
    return out;
  }

  #fail(error: Json): string[] {
    this.#done = true;
    const message = typeof error.message === 'string' && error.message ? error.message : 'the upstream stream failed';
    const code = typeof error.code === 'string' && error.code ? error.code : typeof error.type === 'string' ? error.type : 'server_error';
    const param = typeof error.param === 'string' ? error.param : null;
    const failed = this.#snapshot({ status: 'failed', incomplete_details: null, error: { code: failureCode(given(error.type) ? error.type : error.code), message } }, this.#usage ? responsesUsageFromChat(this.#usage) : null);
    return [this.#event('error', { code, message, param }), this.#event('response.failed', { response: failed })];
  }
}
