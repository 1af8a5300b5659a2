// Usage as each format adapter reads it from a whole body and from a stream, cache and reasoning tokens included.
import { describe, expect, it } from 'vitest';
import { anthropicMessages } from './anthropic-messages.js';
import { openAiChat } from './openai-chat.js';
import { openAiResponses } from './openai-responses.js';
import type { StreamTap } from './types.js';

/** Feeds `data` payloads to a tap; returns which were kept. */
function feed(tap: StreamTap, payloads: Array<object | string>): boolean[] {
  return payloads.map((p) => tap.onEvent({ event: '', data: typeof p === 'string' ? p : JSON.stringify(p) }));
}

describe('chat completions', () => {
  const usage = {
    prompt_tokens: 2006,
    completion_tokens: 300,
    total_tokens: 2306,
    prompt_tokens_details: { cached_tokens: 1920 },
    completion_tokens_details: { reasoning_tokens: 192 },
  };
  const expected = { input_tokens: 2006, output_tokens: 300, cache_read_tokens: 1920, cache_write_tokens: 0, reasoning_tokens: 192 };

  it('a body: usage and meta', () => {
    const read = openAiChat.usageFromBody({ id: 'chatcmpl-1', model: 'o3-mini-2025', choices: [{ index: 0, finish_reason: 'stop' }], usage });
    expect(read).toEqual({ usage: expected, meta: { upstreamId: 'chatcmpl-1', actualModel: 'o3-mini-2025', finishReason: 'stop' } });
  });

  it('a stream: the usage-only chunk is read, and dropped only when the gateway asked for it', () => {
    const chunks = [
      { id: 'c1', model: 'o3-mini', choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null }] },
      { id: 'c1', model: 'o3-mini', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
      { id: 'c1', model: 'o3-mini', choices: [], usage },
      '[DONE]',
    ];
    const added = openAiChat.createTap(true);
    expect(feed(added, chunks)).toEqual([true, true, false, true]);
    expect(added.usage()).toEqual(expected);
    expect(added.meta()).toEqual({ upstreamId: 'c1', actualModel: 'o3-mini', finishReason: 'stop' });
    const asked = openAiChat.createTap(false);
    expect(feed(asked, chunks)).toEqual([true, true, true, true]);
    expect(asked.usage()).toEqual(expected);
  });

  it('a stream without usage: undefined', () => {
    const tap = openAiChat.createTap(false);
    feed(tap, [{ id: 'c1', choices: [{ index: 0, delta: { content: 'hi' } }] }, '[DONE]']);
    expect(tap.usage()).toBeUndefined();
  });
});

describe('responses', () => {
  const usage = { input_tokens: 328, input_tokens_details: { cached_tokens: 256 }, output_tokens: 52, output_tokens_details: { reasoning_tokens: 32 }, total_tokens: 380 };
  const expected = { input_tokens: 328, output_tokens: 52, cache_read_tokens: 256, cache_write_tokens: 0, reasoning_tokens: 32 };

  it('a body: usage and meta', () => {
    expect(openAiResponses.usageFromBody({ id: 'resp_1', model: 'o4-mini', status: 'completed', usage })).toEqual({
      usage: expected,
      meta: { upstreamId: 'resp_1', actualModel: 'o4-mini', finishReason: 'completed' },
    });
  });

  it('a stream: usage from response.completed; an incomplete response names its reason', () => {
    const tap = openAiResponses.createTap(false);
    const created = { id: 'resp_1', model: 'o4-mini', status: 'in_progress', usage: null };
    const kept = feed(tap, [
      { type: 'response.created', response: created },
      { type: 'response.output_text.delta', delta: 'hi' },
      { type: 'response.incomplete', response: { ...created, status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, usage } },
    ]);
    expect(kept).toEqual([true, true, true]);
    expect(tap.usage()).toEqual(expected);
    expect(tap.meta()).toEqual({ upstreamId: 'resp_1', actualModel: 'o4-mini', finishReason: 'max_output_tokens' });
  });
});

describe('anthropic messages', () => {
  it('a body: cache reads and writes are part of the input', () => {
    const read = anthropicMessages.usageFromBody({
      id: 'msg_1',
      model: 'claude-sonnet-4-5',
      stop_reason: 'end_turn',
      usage: { input_tokens: 5, cache_read_input_tokens: 4, cache_creation_input_tokens: 2, output_tokens: 7 },
    });
    expect(read).toEqual({
      usage: { input_tokens: 11, output_tokens: 7, cache_read_tokens: 4, cache_write_tokens: 2, reasoning_tokens: 0 },
      meta: { upstreamId: 'msg_1', actualModel: 'claude-sonnet-4-5', finishReason: 'end_turn' },
    });
  });

  it('a stream: input side from message_start, output from the last message_delta', () => {
    const tap = anthropicMessages.createTap(false);
    feed(tap, [
      { type: 'message_start', message: { id: 'msg_1', model: 'claude-haiku-4-5', usage: { input_tokens: 5, cache_read_input_tokens: 4, cache_creation_input_tokens: 2, output_tokens: 1 } } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hi' } },
      { type: 'message_delta', delta: { stop_reason: null }, usage: { output_tokens: 3 } },
      { type: 'message_delta', delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 7 } },
      { type: 'message_stop' },
    ]);
    expect(tap.usage()).toEqual({ input_tokens: 11, output_tokens: 7, cache_read_tokens: 4, cache_write_tokens: 2, reasoning_tokens: 0 });
    expect(tap.meta()).toEqual({ upstreamId: 'msg_1', actualModel: 'claude-haiku-4-5', finishReason: 'max_tokens' });
  });

  it('a stream whose message_delta repeats the input side (newer API versions) is not counted twice', () => {
    const tap = anthropicMessages.createTap(false);
    const input = { input_tokens: 5, cache_read_input_tokens: 4, cache_creation_input_tokens: 2 };
    feed(tap, [
      { type: 'message_start', message: { id: 'msg_1', usage: { ...input, output_tokens: 1 } } },
      { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { ...input, output_tokens: 9 } },
    ]);
    expect(tap.usage()).toEqual({ input_tokens: 11, output_tokens: 9, cache_read_tokens: 4, cache_write_tokens: 2, reasoning_tokens: 0 });
  });
});
