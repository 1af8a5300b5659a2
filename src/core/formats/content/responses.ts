// Text in OpenAI Responses: `instructions`, `input` (a string or items: messages with text parts, function call
// arguments and outputs); `output` items in responses; text and argument deltas in streams, plus the *.done and
// response.* events that repeat whole texts.
import type { Json } from '../../usage/usage.js';
import { isObject, sseEvent, visitField, type ContentAccess, type TextVisitor } from './types.js';

function visitItems(items: unknown[], visit: TextVisitor): void {
  for (const item of items) {
    if (!isObject(item)) continue;
    if (typeof item.content === 'string') visitField(item, 'content', visit);
    else if (Array.isArray(item.content)) {
      for (const part of item.content) if (isObject(part) && typeof part.text === 'string') visitField(part, 'text', visit);
    }
    if (typeof item.arguments === 'string') visitField(item, 'arguments', visit);
    if (typeof item.output === 'string') visitField(item, 'output', visit);
  }
}

function visitResponse(response: Json, visit: TextVisitor): void {
  if (Array.isArray(response.output)) visitItems(response.output, visit);
  if (typeof response.output_text === 'string') visitField(response, 'output_text', visit);
}

const DELTA_EVENTS = new Set(['response.output_text.delta', 'response.function_call_arguments.delta', 'response.refusal.delta']);
const DONE_EVENTS: Record<string, string> = {
  'response.output_text.done': 'text',
  'response.function_call_arguments.done': 'arguments',
  'response.refusal.done': 'refusal',
};

function channelOf(payload: Json): string {
  return `${String(payload.item_id ?? payload.output_index ?? 0)}/${String(payload.content_index ?? 0)}`;
}

export const responsesContent: ContentAccess = {
  visitInput(body, visit) {
    visitField(body, 'instructions', visit);
    if (typeof body.input === 'string') visitField(body, 'input', visit);
    else if (Array.isArray(body.input)) visitItems(body.input, visit);
  },
  injectPrompts(body, prompts) {
    const instructions = prompts.filter((p) => p.role === 'system' || p.role === 'developer').map((p) => p.content);
    const turns = prompts.filter((p) => p.role === 'user' || p.role === 'assistant');
    if (instructions.length) {
      const current = typeof body.instructions === 'string' && body.instructions ? `\n\n${body.instructions}` : '';
      body.instructions = `${instructions.join('\n\n')}${current}`;
    }
    if (turns.length) {
      const input = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : Array.isArray(body.input) ? body.input : [];
      body.input = [...turns.map((p) => ({ role: p.role, content: p.content })), ...input];
    }
  },
  visitOutput: visitResponse,
  stream: {
    deltas(payload) {
      const type = String(payload.type ?? '');
      if (!DELTA_EVENTS.has(type) || typeof payload.delta !== 'string') return [];
      return [{ channel: channelOf(payload), text: payload.delta, replace: (text) => (payload.delta = text) }];
    },
    closes(payload) {
      const type = String(payload.type ?? '');
      if (type in DONE_EVENTS) return [channelOf(payload)];
      return type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed' ? [''] : [];
    },
    visitWhole(payload, _event, visit) {
      const type = String(payload.type ?? '');
      const field = DONE_EVENTS[type];
      if (field) {
        visitField(payload, field, visit);
        return true;
      }
      let touched = false;
      if (isObject(payload.part) && typeof payload.part.text === 'string') {
        visitField(payload.part, 'text', visit);
        touched = true;
      }
      if (isObject(payload.item)) {
        visitItems([payload.item], visit);
        touched = true;
      }
      if (isObject(payload.response)) {
        visitResponse(payload.response, visit);
        touched = true;
      }
      return touched;
    },
    deltaEvent(channel, text, template) {
      const { sequence_number: _seq, ...rest } = template.payload;
      return sseEvent(template.event, { ...rest, delta: text });
    },
  },
};
