// Text in OpenAI chat completions: messages (string content or text parts), tool call arguments; choices in
// responses and `delta.content` / tool-call argument deltas in streams.
import type { Json } from '../../usage/usage.js';
import { isObject, sseEvent, visitField, type ContentAccess, type StreamDelta, type TextVisitor } from './types.js';

function visitMessage(message: Json, visit: TextVisitor): void {
  const content = message.content;
  if (typeof content === 'string') visitField(message, 'content', visit);
  else if (Array.isArray(content)) {
    for (const part of content) if (isObject(part) && typeof part.text === 'string') visitField(part, 'text', visit);
  }
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) {
      if (isObject(call) && isObject(call.function)) visitField(call.function, 'arguments', visit);
    }
  }
  if (isObject(message.function_call)) visitField(message.function_call, 'arguments', visit);
}

function choiceDeltas(payload: Json): StreamDelta[] {
  const deltas: StreamDelta[] = [];
  if (!Array.isArray(payload.choices)) return deltas;
  for (const choice of payload.choices) {
    if (!isObject(choice) || !isObject(choice.delta)) continue;
    const delta = choice.delta;
    const index = typeof choice.index === 'number' ? choice.index : 0;
    if (typeof delta.content === 'string' && delta.content) {
      deltas.push({ channel: `${index}`, text: delta.content, replace: (text) => (delta.content = text) });
    }
    if (Array.isArray(delta.tool_calls)) {
      for (const call of delta.tool_calls) {
        if (!isObject(call) || !isObject(call.function) || typeof call.function.arguments !== 'string') continue;
        const fn = call.function;
        deltas.push({ channel: `${index}/tool/${String(call.index ?? 0)}`, text: fn.arguments as string, replace: (text) => (fn.arguments = text) });
      }
    }
  }
  return deltas;
}

export const chatContent: ContentAccess = {
  visitInput(body, visit) {
    if (!Array.isArray(body.messages)) return;
    for (const message of body.messages) if (isObject(message)) visitMessage(message, visit);
  },
  injectPrompts(body, prompts) {
    if (!prompts.length) return;
    const messages = Array.isArray(body.messages) ? body.messages : [];
    body.messages = [...prompts.map((p) => ({ role: p.role, content: p.content })), ...messages];
  },
  visitOutput(body, visit) {
    if (!Array.isArray(body.choices)) return;
    for (const choice of body.choices) if (isObject(choice) && isObject(choice.message)) visitMessage(choice.message, visit);
  },
  stream: {
    deltas: (payload) => choiceDeltas(payload),
    closes(payload) {
      if (!Array.isArray(payload.choices)) return [];
      const closed: string[] = [];
      for (const choice of payload.choices) {
        if (isObject(choice) && typeof choice.finish_reason === 'string') {
          const index = typeof choice.index === 'number' ? choice.index : 0;
          closed.push(`${index}`, `${index}/tool/`);
        }
      }
      return closed;
    },
    visitWhole: () => false,
    deltaEvent(channel, text, template) {
      const [index, , toolIndex] = channel.split('/');
      const delta = toolIndex === undefined ? { content: text } : { tool_calls: [{ index: Number(toolIndex), function: { arguments: text } }] };
      const { choices: _choices, usage: _usage, ...rest } = template.payload;
      return sseEvent('', { ...rest, choices: [{ index: Number(index), delta, finish_reason: null }] });
    },
  },
};
