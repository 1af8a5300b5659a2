// Format translation between OpenAI chat completions and Anthropic messages, one module per direction.
export type { Translated } from './common.js';
export * from './chat-to-anthropic.js';
export * from './anthropic-to-chat.js';
export type * from './types.js';
