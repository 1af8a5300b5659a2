// Text in Anthropic messages: `system` (string or text blocks), message content (string or blocks: text,
// tool_result, tool_use input); `content` blocks in responses; text and tool-input deltas in streams.
import type { Json } from '../../usage/usage.js';
import { isObject, sseEvent, visitField, visitStrings, type ContentAccess, type TextVisitor } from './types.js';

function visitBlocks(blocks: unknown[], visit: TextVisitor): void {
  for (const block of blocks) {
    if (!isObject(block)) continue;
    if (typeof block.text === 'string') visitField(block, 'text', visit);
    if (block.type === 'tool_result') {
      if (typeof block.content === 'string') visitField(block, 'content', visit);
      else if (Array.isArray(block.content)) visitBlocks(block.content, visit);
    }
    if (block.type === 'tool_use' && isObject(block.input)) visitStrings(block.input, visit);
  }
}

function visitContent(holder: Json, key: string, visit: TextVisitor): void {
  const value = holder[key];
  if (typeof value === 'string') visitField(holder, key, visit);
  else if (Array.isArray(value)) visitBlocks(value, visit);
}

export const anthropicContent: ContentAccess = {
  visitInput(body, visit) {
    visitContent(body, 'system', visit);
    if (!Array.isArray(body.messages)) return;
    for (const message of body.messages) if (isObject(message)) visitContent(message, 'content', visit);
  },
  injectPrompts(body, prompts) {
    const system = prompts.filter((p) => p.role === 'system' || p.role === 'developer').map((p) => p.content);
    const turns = prompts.filter((p) => p.role === 'user' || p.role === 'assistant');
    if (system.length) {
      const current = body.system;
      if (Array.isArray(current)) body.system = [...system.map((text) => ({ type: 'text', text })), ...current];
      else if (typeof current === 'string' && current) body.system = `${system.join('\n\n')}\n\n${current}`;
      else body.system = system.join('\n\n');
    }
    if (turns.length) {
      const messages = Array.isArray(body.messages) ? body.messages : [];
      body.messages = [...turns.map((p) => ({ role: p.role, content: p.content })), ...messages];
    }
  },
  visitOutput(body, visit) {
    if (Array.isArray(body.content)) visitBlocks(body.content, visit);
  },
  stream: {
    deltas(payload) {
      if (payload.type !== 'content_block_delta' || !isObject(payload.delta)) return [];
      const delta = payload.delta;
      const channel = String(payload.index ?? 0);
      if (delta.type === 'text_delta' && typeof delta.text === 'string') {
        return [{ channel, text: delta.text, replace: (text) => (delta.text = text) }];
      }
      if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string') {
        return [{ channel, text: delta.partial_json, replace: (text) => (delta.partial_json = text) }];
      }
      return [];
    },
    closes(payload) {
      if (payload.type === 'content_block_stop') return [String(payload.index ?? 0)];
      return payload.type === 'message_delta' || payload.type === 'message_stop' ? [''] : [];
    },
    visitWhole: () => false,
    deltaEvent(channel, text, template) {
      const kind = isObject(template.payload.delta) && template.payload.delta.type === 'input_json_delta' ? 'input_json_delta' : 'text_delta';
      const delta = kind === 'text_delta' ? { type: kind, text } : { type: kind, partial_json: text };
      return sseEvent('content_block_delta', { type: 'content_block_delta', index: Number(channel), delta });
    },
  },
};
