// Which format adapter serves a request path; undefined for paths that are passed through.
import { anthropicMessages } from './anthropic-messages.js';
import { openAiChat } from './openai-chat.js';
import { openAiResponses } from './openai-responses.js';
import type { FormatAdapter } from './types.js';

export type { FormatAdapter, FormatName, StreamTap } from './types.js';

/** Paths are matched on their ending so that prefixed clients (`/openai/v1/chat/completions`) work too. */
export function adapterForPath(path: string): FormatAdapter | undefined {
  if (path.endsWith('/chat/completions')) return openAiChat;
  if (path.endsWith('/v1/responses') || path === '/responses') return openAiResponses;
  if (path.endsWith('/v1/messages') || path === '/messages') return anthropicMessages;
  return undefined;
}

/** Error shape for paths without an adapter: Anthropic-looking paths get Anthropic errors. */
export function errorShapeForPath(path: string): 'openai' | 'anthropic' {
  return path.includes('/messages') ? 'anthropic' : 'openai';
}
