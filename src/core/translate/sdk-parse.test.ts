// The official SDKs read what the stream translators emit: each translated stream is served to the SDK through
// a stub fetch (no sockets) and the SDK's own accumulated result is checked.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { ChatToAnthropicStream } from './anthropic-to-chat.js';
import { AnthropicToChatStream } from './chat-to-anthropic.js';

function serving(frames: string[]): typeof fetch {
  return async () => new Response(frames.join(''), { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

describe('official SDKs parse the translated streams', () => {
  it('openai SDK: a tool call and usage from an Anthropic stream', async () => {
    const translator = new AnthropicToChatStream({ model: 'claude-sonnet-4-5', includeUsage: true, created: 1 });
    const events: Array<[string, object]> = [
      ['message_start', { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], model: 'claude-sonnet-4-5', usage: { input_tokens: 400, output_tokens: 1, cache_read_input_tokens: 72 } } }],
      ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Checking.' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      ['content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} } }],
      ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"location":' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: ' "Paris"}' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 1 }],
      ['message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 30 } }],
      ['message_stop', { type: 'message_stop' }],
    ];
    const frames = events.flatMap(([event, payload]) => translator.push(event, payload as Record<string, unknown>));
    const client = new OpenAI({ apiKey: 'test', baseURL: 'http://stub/v1', fetch: serving(frames), maxRetries: 0 });
    const stream = client.chat.completions.stream({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'weather?' }], stream_options: { include_usage: true } });
    const result = await stream.finalChatCompletion();
    const message = result.choices[0]!.message;
    expect(message.content).toBe('Checking.');
    expect(message.tool_calls?.map((c) => (c.type === 'function' ? [c.id, c.function.name, c.function.arguments] : []))).toEqual([['toolu_1', 'get_weather', '{"location": "Paris"}']]);
    expect(result.choices[0]!.finish_reason).toBe('tool_calls');
    expect(result.usage).toMatchObject({ prompt_tokens: 472, completion_tokens: 30, prompt_tokens_details: { cached_tokens: 72 } });
  });

  it('@anthropic-ai/sdk: a tool call and usage from an OpenAI stream', async () => {
    const translator = new ChatToAnthropicStream({ model: 'gpt-4o' });
    const head = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o' };
    const chunks = [
      { ...head, choices: [{ index: 0, delta: { role: 'assistant', content: 'Checking.' }, finish_reason: null }] },
      { ...head, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] }, finish_reason: null }] },
      { ...head, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"location":' } }] }, finish_reason: null }] },
      { ...head, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ' "Paris"}' } }] }, finish_reason: null }] },
      { ...head, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
      { ...head, choices: [], usage: { prompt_tokens: 472, completion_tokens: 30, total_tokens: 502, prompt_tokens_details: { cached_tokens: 72 } } },
    ];
    const frames = [...chunks.flatMap((c) => translator.push(c)), ...translator.pushSse({ event: '', data: '[DONE]' })];
    const client = new Anthropic({ apiKey: 'test', baseURL: 'http://stub', fetch: serving(frames), maxRetries: 0 });
    const message = await client.messages.stream({ model: 'gpt-4o', max_tokens: 100, messages: [{ role: 'user', content: 'weather?' }] }).finalMessage();
    expect(message.content).toEqual([
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { location: 'Paris' } },
    ]);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage).toMatchObject({ input_tokens: 400, output_tokens: 30, cache_read_input_tokens: 72 });
  });
});
