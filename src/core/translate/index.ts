// Format translation between OpenAI chat completions, OpenAI Responses and Anthropic messages, one module per
// direction.
export type { Translated } from './common.js';
export * from './chat-to-anthropic.js';
export * from './anthropic-to-chat.js';
export * from './responses-to-chat.js';
export * from './responses-to-anthropic.js';
export type * from './types.js';
