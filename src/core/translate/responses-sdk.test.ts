// The official openai SDK reads what the Responses translators emit: translated bodies and streams are served to
// `client.responses.create` / `.stream` through a stub fetch (no sockets) and the SDK's own result is checked.
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { anthropicResponseToResponses, AnthropicToResponsesStream } from './responses-to-anthropic.js';
import { chatErrorToResponses, chatResponseToResponses, ChatToResponsesStream } from './responses-to-chat.js';

function serving(body: string, status = 200, type = 'text/event-stream'): typeof fetch {
  return async () => new Response(body, { status, headers: { 'content-type': type } });
}

function client(stub: typeof fetch): OpenAI {
  return new OpenAI({ apiKey: 'test', baseURL: 'http://stub/v1', fetch: stub, maxRetries: 0 });
}

const request = { model: 'claude-sonnet-4-5', input: 'weather in Paris?', tools: [{ type: 'function' as const, name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } }, strict: false }] };

describe('openai SDK parses the translated Responses', () => {
  it('responses.stream: text, a function call and usage from an Anthropic stream', async () => {
    const translator = new AnthropicToResponsesStream({ model: 'claude-sonnet-4-5', createdAt: 1 });
    const events: Array<[string, object]> = [
      ['message_start', { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], model: 'claude-sonnet-4-5', usage: { input_tokens: 400, output_tokens: 1, cache_read_input_tokens: 72 } } }],
      ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Checking' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '.' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      ['content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} } }],
      ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"location":' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: ' "Paris"}' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 1 }],
      ['message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 30 } }],
      ['message_stop', { type: 'message_stop' }],
    ];
    const frames = [...events.flatMap(([event, payload]) => translator.push(event, payload as Record<string, unknown>)), ...translator.end()];
    const stream = client(serving(frames.join(''))).responses.stream(request);
    const deltas: string[] = [];
    const argDeltas: string[] = [];
    stream.on('response.output_text.delta', (e) => deltas.push(e.delta));
    stream.on('response.function_call_arguments.delta', (e) => argDeltas.push(e.delta));
    const response = await stream.finalResponse();
    expect(deltas).toEqual(['Checking', '.']);
    expect(argDeltas).toEqual(['{"location":', ' "Paris"}']);
    expect(response.output_text).toBe('Checking.');
    expect(response.status).toBe('completed');
    const calls = response.output.flatMap((item) => (item.type === 'function_call' ? [[item.call_id, item.name, item.arguments]] : []));
    expect(calls).toEqual([['toolu_1', 'get_weather', '{"location": "Paris"}']]);
    expect(response.usage).toMatchObject({ input_tokens: 472, output_tokens: 30, total_tokens: 502, input_tokens_details: { cached_tokens: 72 } });
  });

  it('responses.create with stream: true: events from a chat stream, ending in `error` and `response.failed`', async () => {
    const translator = new ChatToResponsesStream({ model: 'gpt-4.1', createdAt: 1 });
    const head = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4.1' };
    const frames = [
      ...translator.push({ ...head, choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }] }),
      ...translator.push({ error: { message: 'upstream overloaded', type: 'server_error', param: null, code: null } }),
    ];
    const stream = await client(serving(frames.join(''))).responses.create({ model: 'gpt-4.1', input: 'hi', stream: true });
    const seen: Array<{ type: string; [key: string]: unknown }> = [];
    for await (const event of stream) seen.push(event as unknown as { type: string });
    expect(seen.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'error',
      'response.failed',
    ]);
    expect(seen[5]).toMatchObject({ message: 'upstream overloaded', code: 'server_error' });
    expect(seen[6]).toMatchObject({ response: { status: 'failed', error: { code: 'server_error', message: 'upstream overloaded' } } });
  });

  it('responses.create: a chat completion with tool calls, reasoning and cached usage', async () => {
    const body = chatResponseToResponses(
      {
        id: 'chatcmpl-2',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Sure.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }] }, finish_reason: 'tool_calls' }],
        usage: { prompt_tokens: 50, completion_tokens: 20, total_tokens: 70, prompt_tokens_details: { cached_tokens: 32 }, completion_tokens_details: { reasoning_tokens: 8 } },
      },
      'gpt-4.1',
      1,
    );
    const response = await client(serving(JSON.stringify(body), 200, 'application/json')).responses.create({ model: 'gpt-4.1', input: 'weather?' });
    expect(response.output_text).toBe('Sure.');
    const call = response.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ call_id: 'call_1', name: 'get_weather', arguments: '{"location":"Paris"}' });
    expect(response.usage).toMatchObject({ input_tokens: 50, output_tokens: 20, total_tokens: 70, input_tokens_details: { cached_tokens: 32 }, output_tokens_details: { reasoning_tokens: 8 } });
  });

  it('responses.create: an Anthropic message body, and a translated error raised as APIError', async () => {
    const body = anthropicResponseToResponses(
      { id: 'msg_2', content: [{ type: 'text', text: 'Bonjour.' }], stop_reason: 'end_turn', usage: { input_tokens: 10, output_tokens: 3, cache_read_input_tokens: 5 } },
      'claude-sonnet-4-5',
      1,
    );
    const response = await client(serving(JSON.stringify(body), 200, 'application/json')).responses.create({ model: 'claude-sonnet-4-5', input: 'hi' });
    expect(response.output_text).toBe('Bonjour.');
    expect(response.usage).toMatchObject({ input_tokens: 15, output_tokens: 3, input_tokens_details: { cached_tokens: 5 } });

    const error = chatErrorToResponses(429, { error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } });
    const failing = client(serving(JSON.stringify(error), 429, 'application/json')).responses.create({ model: 'gpt-4.1', input: 'hi' });
    await expect(failing).rejects.toMatchObject({ status: 429, code: 'rate_limit_exceeded', message: expect.stringContaining('Rate limit reached') });
  });
});
