// The request side both Responses translators share: an OpenAI Responses request read into OpenAI chat types.
// The Anthropic translator sends the result on through chatRequestToAnthropic. Internal: not exported by index.ts.
import type { Json } from '../usage/usage.js';
import { given, isObject, Unsupported } from './common.js';
import type { ChatMessage, ChatPart, ChatRequest, ChatTool, ChatToolCall, ChatToolChoice } from './types.js';

export type ResponsesTarget = 'chat' | 'anthropic';

const TARGET_NAME: Record<ResponsesTarget, string> = {
  chat: 'a chat-completions model',
  anthropic: 'an Anthropic model',
};

export function refusalFor(target: ResponsesTarget, feature: string): string {
  return `${feature} is not supported when a Responses request is served by ${TARGET_NAME[target]}`;
}

/** Parameters accepted and left out: they only concern OpenAI's stored responses or caching (docs/translation.md). */
const IGNORED = new Set(['metadata', 'store', 'prompt_cache_key', 'stream_options']);

const HANDLED = new Set([
  'model', 'input', 'instructions', 'max_output_tokens', 'temperature', 'top_p', 'stream', 'tools', 'tool_choice',
  'parallel_tool_calls', 'user', 'safety_identifier', 'reasoning', 'text', 'include', 'truncation', 'service_tier',
  'background', 'top_logprobs',
]);

/** Names the hosted (built-in) tools so a refusal reads naturally. */
const SERVER_STATE: Record<string, string> = {
  previous_response_id: 'previous_response_id (server-side conversation state)',
  conversation: 'conversation (server-side conversation state)',
  prompt: 'prompt (stored prompt templates)',
  max_tool_calls: 'max_tool_calls',
};

class Reader {
  constructor(readonly target: ResponsesTarget) {}

  refuse(feature: string): never {
    throw new Unsupported(refusalFor(this.target, feature));
  }

  check(body: Json): void {
    for (const [key, value] of Object.entries(body)) {
      if (!given(value) || HANDLED.has(key) || IGNORED.has(key)) continue;
      this.refuse(SERVER_STATE[key] ?? `the "${key}" parameter`);
    }
    if (body.background === true) this.refuse('background mode');
    if (given(body.top_logprobs) && body.top_logprobs !== 0) this.refuse('top_logprobs');
    if (given(body.truncation) && body.truncation !== 'disabled') this.refuse(`truncation "${String(body.truncation)}"`);
    if (given(body.service_tier) && body.service_tier !== 'auto' && body.service_tier !== 'default') {
      this.refuse(`service_tier "${String(body.service_tier)}"`);
    }
    if (Array.isArray(body.include) && body.include.length) this.refuse(`include ${JSON.stringify(body.include)}`);
  }

  text(content: unknown, where: string): string {
    if (typeof content === 'string') return content;
    if (!Array.isArray(content)) return '';
    return content
      .map((part) => {
        if (isObject(part) && (part.type === 'input_text' || part.type === 'output_text' || part.type === 'text') && typeof part.text === 'string') return part.text;
        if (isObject(part) && part.type === 'refusal' && typeof part.refusal === 'string') return part.refusal;
        return this.refuse(`${isObject(part) ? `the "${String(part.type)}" content part` : 'a non-object content part'} in ${where}`);
      })
      .join('\n\n');
  }

  image(part: Json): ChatPart {
    if (given(part.file_id)) this.refuse('input_image with a file_id (uploaded files)');
    if (typeof part.image_url !== 'string' || !part.image_url) return this.refuse('input_image without an image_url');
    const detail = typeof part.detail === 'string' && part.detail !== 'auto' ? { detail: part.detail } : {};
    return { type: 'image_url', image_url: { url: part.image_url, ...detail } };
  }

  file(part: Json): ChatPart {
    if (given(part.file_id)) this.refuse('input_file with a file_id (uploaded files)');
    if (given(part.file_url)) this.refuse('input_file with a file_url');
    if (typeof part.file_data !== 'string' || !part.file_data) return this.refuse('input_file without file_data');
    const filename = typeof part.filename === 'string' && part.filename ? part.filename : 'document.pdf';
    return { type: 'file', file: { filename, file_data: part.file_data } };
  }

  userContent(content: unknown): string | ChatPart[] {
    if (typeof content === 'string') return content;
    if (!Array.isArray(content)) return this.refuse('a user message without string or array content');
    return content.map((part): ChatPart => {
      if (!isObject(part)) return this.refuse('a non-object content part');
      if (part.type === 'input_text') return { type: 'text', text: String(part.text ?? '') };
      if (part.type === 'input_image') return this.image(part);
      if (part.type === 'input_file') return this.file(part);
      if (part.type === 'input_audio') return this.refuse('audio input');
      return this.refuse(`the "${String(part.type)}" content part`);
    });
  }

  output(output: unknown): string {
    if (typeof output === 'string') return output;
    if (Array.isArray(output)) return this.text(output, 'a function_call_output');
    return this.refuse('a function_call_output without string output');
  }

  messages(body: Json): ChatMessage[] {
    const messages: ChatMessage[] = [];
    if (typeof body.instructions === 'string' && body.instructions) messages.push({ role: 'system', content: body.instructions });
    else if (given(body.instructions) && typeof body.instructions !== 'string') this.refuse('instructions that are not a string');
    if (typeof body.input === 'string') {
      messages.push({ role: 'user', content: body.input });
      return messages;
    }
    if (!Array.isArray(body.input)) return this.refuse('a request without input');
    /** The assistant message the next function_call items join, while nothing else came in between. */
    let assistant: Extract<ChatMessage, { role: 'assistant' }> | undefined;
    for (const item of body.input) {
      if (!isObject(item)) this.refuse('an input item that is not an object');
      const type = item.type ?? 'message';
      if (type === 'function_call') {
        const call: ChatToolCall = {
          id: String(item.call_id ?? ''),
          type: 'function',
          function: { name: String(item.name ?? ''), arguments: typeof item.arguments === 'string' ? item.arguments : JSON.stringify(item.arguments ?? {}) },
        };
        if (!assistant) {
          assistant = { role: 'assistant', content: null };
          messages.push(assistant);
        }
        (assistant.tool_calls ??= []).push(call);
        continue;
      }
      assistant = undefined;
      if (type === 'function_call_output') {
        messages.push({ role: 'tool', tool_call_id: String(item.call_id ?? ''), content: this.output(item.output) });
      } else if (type === 'message') {
        switch (item.role) {
          case 'system':
          case 'developer': {
            const text = this.text(item.content, `a ${item.role} message`);
            if (text) messages.push({ role: 'system', content: text });
            break;
          }
          case 'user':
            messages.push({ role: 'user', content: this.userContent(item.content) });
            break;
          case 'assistant': {
            assistant = { role: 'assistant', content: this.text(item.content, 'an assistant message') };
            messages.push(assistant);
            break;
          }
          default:
            this.refuse(`the "${String(item.role)}" message role`);
        }
      } else if (type === 'reasoning') {
        continue; // an earlier turn's reasoning: another provider cannot read it back, and it is not part of the answer
      } else if (type === 'item_reference') {
        this.refuse('item_reference (server-side conversation state)');
      } else {
        this.refuse(`the "${String(type)}" input item`);
      }
    }
    // An assistant turn that only carried text and nothing else is fine; one with no text and no calls is dropped.
    return messages.filter((m) => !(m.role === 'assistant' && !m.content && !m.tool_calls?.length));
  }

  tools(tools: unknown): ChatTool[] | undefined {
    if (!Array.isArray(tools) || !tools.length) return undefined;
    return tools.map((tool): ChatTool => {
      if (!isObject(tool)) return this.refuse('a tool that is not an object');
      if (tool.type !== 'function') return this.refuse(`the built-in "${String(tool.type)}" tool`);
      if (typeof tool.name !== 'string' || !tool.name) return this.refuse('a function tool without a name');
      const fn: ChatTool['function'] = { name: tool.name, parameters: isObject(tool.parameters) ? tool.parameters : { type: 'object', properties: {} } };
      if (typeof tool.description === 'string') fn.description = tool.description;
      return { type: 'function', function: fn };
    });
  }

  toolChoice(choice: unknown): ChatToolChoice | undefined {
    if (!given(choice)) return undefined;
    if (choice === 'auto' || choice === 'none' || choice === 'required') return choice;
    if (isObject(choice) && choice.type === 'function' && typeof choice.name === 'string') {
      return { type: 'function', function: { name: choice.name } };
    }
    return this.refuse(`tool_choice ${JSON.stringify(choice)}`);
  }

  reasoning(body: Json, out: ChatRequest): void {
    if (!isObject(body.reasoning)) return;
    if (given(body.reasoning.summary) || given(body.reasoning.generate_summary)) this.refuse('reasoning summaries');
    if (given(body.reasoning.effort)) {
      if (this.target === 'anthropic') this.refuse('reasoning.effort');
      out.reasoning_effort = String(body.reasoning.effort);
    }
  }

  textFormat(body: Json, out: ChatRequest): void {
    if (!isObject(body.text)) return;
    const format = isObject(body.text.format) ? body.text.format : undefined;
    if (format && format.type !== 'text') {
      if (this.target === 'anthropic') this.refuse('text.format (JSON mode and structured outputs)');
      if (format.type === 'json_object') out.response_format = { type: 'json_object' };
      else if (format.type === 'json_schema') {
        const { type: _type, ...schema } = format;
        out.response_format = { type: 'json_schema', json_schema: schema };
      } else this.refuse(`text.format "${String(format.type)}"`);
    }
    if (given(body.text.verbosity)) {
      if (this.target === 'anthropic') this.refuse('text.verbosity');
      out.verbosity = String(body.text.verbosity);
    }
  }
}

/** A Responses request as an OpenAI chat request; throws `Unsupported` worded for `target`. */
export function readResponsesRequest(body: Json, target: ResponsesTarget): ChatRequest {
  const reader: Reader = new Reader(target);
  reader.check(body);
  const out: ChatRequest = { model: String(body.model ?? ''), messages: reader.messages(body) };
  if (given(body.max_output_tokens)) {
    const max = body.max_output_tokens;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) return reader.refuse('a max_output_tokens that is not a positive integer');
    out.max_completion_tokens = max;
  }
  const tools = reader.tools(body.tools);
  if (tools) {
    out.tools = tools;
    const choice = reader.toolChoice(body.tool_choice);
    if (choice) out.tool_choice = choice;
    if (body.parallel_tool_calls === false) out.parallel_tool_calls = false;
  } else if (isObject(body.tool_choice) || (given(body.tool_choice) && body.tool_choice !== 'auto' && body.tool_choice !== 'none')) {
    reader.toolChoice(body.tool_choice); // still refuses hosted-tool choices; a lone "required" has nothing to call
  }
  if (typeof body.temperature === 'number') out.temperature = body.temperature;
  if (typeof body.top_p === 'number') out.top_p = body.top_p;
  reader.reasoning(body, out);
  reader.textFormat(body, out);
  if (body.stream === true) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  const user = typeof body.user === 'string' && body.user ? body.user : body.safety_identifier;
  if (typeof user === 'string' && user) out.user = user;
  return out;
}
