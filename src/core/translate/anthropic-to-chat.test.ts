// Golden tests: an Anthropic messages client served by an OpenAI chat model. Fixtures follow the examples in
// Anthropic's messages / tool use docs and OpenAI's chat completions reference and streaming guide.
import { describe, expect, it } from 'vitest';
import {
  ChatToAnthropicStream,
  anthropicRequestToChat,
  chatErrorToAnthropic,
  chatResponseToAnthropic,
} from './anthropic-to-chat.js';
import { chatRequestToAnthropic } from './chat-to-anthropic.js';
import type { Translated } from './common.js';

function ok<T>(result: Translated<T>): T {
  if ('unsupported' in result) throw new Error(result.unsupported);
  return result.body;
}

const weatherTool = {
  name: 'get_weather',
  description: 'Get the current weather in a given location',
  input_schema: {
    type: 'object',
    properties: { location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' } },
    required: ['location'],
  },
};

describe('Anthropic request -> chat request', () => {
  it('system string, multi-turn, max_tokens, stop_sequences, temperature and top_p', () => {
    const body = {
      model: 'gpt-4o',
      max_tokens: 1024,
      system: 'You are a seasoned data scientist.',
      messages: [
        { role: 'user', content: 'Hello there.' },
        { role: 'assistant', content: "Hi, I'm Claude. How can I help you?" },
        { role: 'user', content: [{ type: 'text', text: 'Can you explain LLMs in plain English?', cache_control: { type: 'ephemeral' } }] },
      ],
      stop_sequences: ['\n\nHuman:'],
      temperature: 0.7,
      top_p: 0.95,
      metadata: { user_id: '13803d75-b4b5-4c3e-b2a2-6f21399b021b' },
    };
    expect(ok(anthropicRequestToChat(body))).toEqual({
      model: 'gpt-4o',
      max_completion_tokens: 1024,
      messages: [
        { role: 'system', content: 'You are a seasoned data scientist.' },
        { role: 'user', content: 'Hello there.' },
        { role: 'assistant', content: "Hi, I'm Claude. How can I help you?" },
        { role: 'user', content: [{ type: 'text', text: 'Can you explain LLMs in plain English?' }] },
      ],
      stop: ['\n\nHuman:'],
      temperature: 0.7,
      top_p: 0.95,
      user: '13803d75-b4b5-4c3e-b2a2-6f21399b021b',
    });
    expect(ok(anthropicRequestToChat(body, { maxTokensField: 'max_tokens' }))).toMatchObject({ max_tokens: 1024 });
  });

  it('system as text blocks joins into one system message', () => {
    const body = { model: 'm', max_tokens: 10, system: [{ type: 'text', text: 'One.' }, { type: 'text', text: 'Two.', cache_control: { type: 'ephemeral' } }], messages: [] };
    expect(ok(anthropicRequestToChat(body)).messages).toEqual([{ role: 'system', content: 'One.\n\nTwo.' }]);
  });

  it('images: base64 sources become data URLs, url sources URLs', () => {
    const body = {
      model: 'm',
      max_tokens: 10,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQSkZJRg==' } },
            { type: 'image', source: { type: 'url', url: 'https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg' } },
            { type: 'text', text: 'Describe these images.' },
          ],
        },
      ],
    };
    expect(ok(anthropicRequestToChat(body)).messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQSkZJRg==' } },
          { type: 'image_url', image_url: { url: 'https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg' } },
          { type: 'text', text: 'Describe these images.' },
        ],
      },
    ]);
  });

  it('tools, tool_use turns and tool_result blocks (tool messages first, then the rest of the user turn)', () => {
    const body = {
      model: 'gpt-4o',
      max_tokens: 1024,
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'What is the weather like in San Francisco?' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'The user wants the weather.', signature: 'abc' },
            { type: 'text', text: "I'll check the weather." },
            { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { location: 'San Francisco, CA' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: '15 degrees' },
            { type: 'tool_result', tool_use_id: 'toolu_02', content: [{ type: 'text', text: 'station offline' }], is_error: true },
            { type: 'text', text: 'And tomorrow?' },
          ],
        },
      ],
    };
    const out = ok(anthropicRequestToChat(body));
    expect(out.tools).toEqual([{ type: 'function', function: { name: 'get_weather', description: weatherTool.description, parameters: weatherTool.input_schema } }]);
    expect(out.tool_choice).toBeUndefined();
    expect(out.messages).toEqual([
      { role: 'user', content: 'What is the weather like in San Francisco?' },
      {
        role: 'assistant',
        content: "I'll check the weather.",
        tool_calls: [{ id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA"}' } }],
      },
      { role: 'tool', tool_call_id: 'toolu_01A09q90qw90lq917835lq9', content: '15 degrees' },
      { role: 'tool', tool_call_id: 'toolu_02', content: 'Error: station offline' },
      { role: 'user', content: [{ type: 'text', text: 'And tomorrow?' }] },
    ]);
  });

  it.each([
    [{ type: 'auto' }, 'auto', undefined],
    [{ type: 'any' }, 'required', undefined],
    [{ type: 'none' }, 'none', undefined],
    [{ type: 'tool', name: 'get_weather' }, { type: 'function', function: { name: 'get_weather' } }, undefined],
    [{ type: 'any', disable_parallel_tool_use: true }, 'required', false],
  ])('tool_choice %j -> %j (parallel_tool_calls %j)', (choice, expected, parallel) => {
    const out = ok(anthropicRequestToChat({ model: 'm', max_tokens: 1, tools: [weatherTool], tool_choice: choice, messages: [] }));
    expect(out.tool_choice).toEqual(expected);
    expect(out.parallel_tool_calls).toEqual(parallel);
  });

  it('streaming requests ask for usage', () => {
    expect(ok(anthropicRequestToChat({ model: 'm', max_tokens: 1, stream: true, messages: [] }))).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  const suffix = 'is not supported when an Anthropic messages request is served by an OpenAI model';
  it.each([
    [{ top_k: 5 }, 'top_k'],
    [{ thinking: { type: 'enabled', budget_tokens: 2048 } }, 'extended thinking'],
    [{ stop_sequences: ['a', 'b', 'c', 'd', 'e'] }, 'more than 4 stop_sequences'],
    [{ tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 5 }] }, 'the server tool "web_search_20250305"'],
    [{ mcp_servers: [{ type: 'url', url: 'https://example.com/sse', name: 'x' }] }, 'the "mcp_servers" parameter'],
    [{ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'file_011' } }] }] }, 'an image with a "file" source'],
    [{ messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'image', source: { type: 'url', url: 'https://x/y.png' } }] }] }] }, 'the "image" block in a tool_result'],
    [{ messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x' } }] }] }, 'a document other than a base64 PDF'],
  ])('%j is refused, naming the feature', (extra, feature) => {
    expect(anthropicRequestToChat({ model: 'm', max_tokens: 10, messages: [], ...extra })).toEqual({ unsupported: `${feature} ${suffix}` });
  });

  it('round trip: Anthropic -> chat -> Anthropic keeps the meaning of the request', () => {
    const anthropic = {
      model: 'gpt-4o',
      max_tokens: 512,
      system: 'Be brief.',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather?' }, { type: 'image', source: { type: 'url', url: 'https://x/y.png' } }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' }] },
      ],
      tools: [weatherTool],
      tool_choice: { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true },
      stop_sequences: ['END'],
      temperature: 0.3,
      top_p: 0.9,
      stream: true,
      metadata: { user_id: 'u1' },
    };
    const chat = ok(anthropicRequestToChat(anthropic));
    const { stream_options: _ignored, ...rest } = chat;
    expect(ok(chatRequestToAnthropic(rest as unknown as Record<string, unknown>))).toEqual(anthropic);
  });
});

describe('chat completion -> Anthropic message', () => {
  it('text with usage: cached tokens move from input_tokens to cache_read_input_tokens', () => {
    const completion = {
      id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
      object: 'chat.completion',
      created: 1741570283,
      model: 'gpt-4o-2024-08-06',
      choices: [{ index: 0, message: { role: 'assistant', content: 'The image shows a wooden boardwalk.', refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 2006, completion_tokens: 300, total_tokens: 2306, prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
      service_tier: 'default',
      system_fingerprint: 'fp_fc9f1d7035',
    };
    expect(chatResponseToAnthropic(completion, 'gpt-4o')).toEqual({
      id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
      type: 'message',
      role: 'assistant',
      model: 'gpt-4o',
      content: [{ type: 'text', text: 'The image shows a wooden boardwalk.' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 86, output_tokens: 300, cache_read_input_tokens: 1920, cache_creation_input_tokens: 0 },
    });
  });

  it('tool_calls become tool_use blocks with parsed input', () => {
    const completion = {
      id: 'chatcmpl-abc123',
      object: 'chat.completion',
      created: 1699896916,
      model: 'gpt-4o-mini',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_abc123', type: 'function', function: { name: 'get_current_weather', arguments: '{\n"location": "Boston, MA"\n}' } }] },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 82, completion_tokens: 17, total_tokens: 99, completion_tokens_details: { reasoning_tokens: 0 } },
    };
    const message = chatResponseToAnthropic(completion, 'gpt-4o-mini');
    expect(message.content).toEqual([{ type: 'tool_use', id: 'call_abc123', name: 'get_current_weather', input: { location: 'Boston, MA' } }]);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage).toEqual({ input_tokens: 82, output_tokens: 17, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
  });

  it.each([
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['tool_calls', 'tool_use'],
    ['function_call', 'tool_use'],
    ['content_filter', 'refusal'],
  ])('finish_reason %s -> stop_reason %s', (finish, stop) => {
    expect(chatResponseToAnthropic({ choices: [{ message: { content: 'x' }, finish_reason: finish }] }, 'm').stop_reason).toBe(stop);
  });
});

describe('OpenAI errors -> Anthropic error shape', () => {
  it.each([
    [400, { message: "This model's maximum context length is 128000 tokens.", type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' }, 'invalid_request_error'],
    [401, { message: 'Incorrect API key provided: sk-abc***.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' }, 'authentication_error'],
    [404, { message: 'The model `gpt-9` does not exist', type: 'invalid_request_error', param: null, code: 'model_not_found' }, 'not_found_error'],
    [429, { message: 'Rate limit reached for gpt-4o', type: 'requests', param: null, code: 'rate_limit_exceeded' }, 'rate_limit_error'],
    [500, { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null }, 'api_error'],
    [503, { message: 'The engine is currently overloaded.', type: 'server_error', param: null, code: null }, 'overloaded_error'],
  ])('%i', (status, error, type) => {
    expect(chatErrorToAnthropic(status, { error })).toEqual({ type: 'error', error: { type, message: error.message } });
  });

  it('a body that is not an OpenAI error still yields a message', () => {
    expect(chatErrorToAnthropic(502, null)).toEqual({ type: 'error', error: { type: 'api_error', message: 'the OpenAI upstream answered with status 502' } });
  });
});

/** Emitted SSE strings as [event, payload] pairs. */
function frames(emitted: string[]): Array<[string, unknown]> {
  return emitted.map((raw) => {
    const match = /^event: (.*)\ndata: (.*)\n\n$/.exec(raw);
    expect(match).not.toBeNull();
    return [match![1]!, JSON.parse(match![2]!)];
  });
}

function run(stream: ChatToAnthropicStream, chunks: Array<object | string>): string[] {
  return chunks.flatMap((c) => stream.pushSse({ event: '', data: typeof c === 'string' ? c : JSON.stringify(c) }));
}

const head = { id: 'chatcmpl-123', object: 'chat.completion.chunk', created: 1694268190, model: 'gpt-4o-mini', system_fingerprint: 'fp_44709d6fcb' };
const delta = (d: object, finish: string | null = null) => ({ ...head, choices: [{ index: 0, delta: d, logprobs: null, finish_reason: finish }] });
const messageStart = ['message_start', { type: 'message_start', message: { id: 'chatcmpl-123', type: 'message', role: 'assistant', model: 'gpt-4o-mini', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } } }];

describe('chat chunks -> Anthropic stream', () => {
  it('text: message_start, one text block, message_delta with stop_reason and usage, message_stop (exact bytes)', () => {
    const stream = new ChatToAnthropicStream({ model: 'gpt-4o-mini' });
    const out = run(stream, [
      delta({ role: 'assistant', content: '' }),
      delta({ content: 'Hello' }),
      delta({ content: '!' }),
      delta({}, 'stop'),
      { ...head, choices: [], usage: { prompt_tokens: 9, completion_tokens: 12, total_tokens: 21, prompt_tokens_details: { cached_tokens: 4 } } },
      '[DONE]',
    ]);
    expect(out[1]).toBe('event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n');
    expect(frames(out)).toEqual([
      messageStart,
      ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '!' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { input_tokens: 5, output_tokens: 12, cache_read_input_tokens: 4, cache_creation_input_tokens: 0 } }],
      ['message_stop', { type: 'message_stop' }],
    ]);
    expect(stream.done).toBe(true);
  });

  it('tool calls: a tool_use block per call, arguments as input_json_delta', () => {
    const stream = new ChatToAnthropicStream({ model: 'gpt-4o-mini' });
    const out = run(stream, [
      delta({ role: 'assistant', content: 'Checking.' }),
      delta({ tool_calls: [{ index: 0, id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      delta({ tool_calls: [{ index: 0, function: { arguments: '{"location":' } }] }),
      delta({ tool_calls: [{ index: 0, function: { arguments: ' "Boston"}' } }] }),
      delta({ tool_calls: [{ index: 1, id: 'call_def', type: 'function', function: { name: 'get_time', arguments: '{}' } }] }),
      delta({}, 'tool_calls'),
      { ...head, choices: [], usage: { prompt_tokens: 82, completion_tokens: 17, total_tokens: 99 } },
      '[DONE]',
    ]);
    expect(frames(out)).toEqual([
      messageStart,
      ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Checking.' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      ['content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'call_abc', name: 'get_weather', input: {} } }],
      ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"location":' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: ' "Boston"}' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 1 }],
      ['content_block_start', { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'call_def', name: 'get_time', input: {} } }],
      ['content_block_delta', { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{}' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 2 }],
      ['message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { input_tokens: 82, output_tokens: 17, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 } }],
      ['message_stop', { type: 'message_stop' }],
    ]);
  });

  it('[DONE] without a usage chunk still ends the message; nothing follows', () => {
    const stream = new ChatToAnthropicStream({ model: 'gpt-4o-mini' });
    const out = frames(run(stream, [delta({ content: 'Hi' }), delta({}, 'length'), '[DONE]']));
    expect(out.slice(-2)).toEqual([
      ['message_delta', { type: 'message_delta', delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 } }],
      ['message_stop', { type: 'message_stop' }],
    ]);
    expect(stream.end()).toEqual([]);
  });

  it('an error chunk becomes an Anthropic error event; a stream cut off mid-message ends with one', () => {
    const failed = new ChatToAnthropicStream({ model: 'm' });
    run(failed, [delta({ content: 'Hi' })]);
    expect(frames(run(failed, [{ error: { message: 'The server had an error', type: 'server_error', param: null, code: null } }]))).toEqual([
      ['error', { type: 'error', error: { type: 'api_error', message: 'The server had an error' } }],
    ]);
    const cut = new ChatToAnthropicStream({ model: 'm' });
    run(cut, [delta({ content: 'Hi' })]);
    expect(frames(cut.end())).toEqual([['error', { type: 'error', error: { type: 'api_error', message: 'the OpenAI stream ended before the message was complete' } }]]);
  });
});
