// Golden tests: an OpenAI chat client served by an Anthropic model. Fixtures follow the examples in OpenAI's
// chat completions reference and Anthropic's messages / streaming / tool use docs.
import { describe, expect, it } from 'vitest';
import { anthropicRequestToChat } from './anthropic-to-chat.js';
import {
  AnthropicToChatStream,
  anthropicErrorToChat,
  anthropicResponseToChat,
  chatRequestToAnthropic,
  DEFAULT_MAX_TOKENS,
} from './chat-to-anthropic.js';
import type { Translated } from './common.js';

function ok<T>(result: Translated<T>): T {
  if ('unsupported' in result) throw new Error(result.unsupported);
  return result.body;
}

/** Emitted SSE strings as [event, payload] pairs ('' event for chat chunks; '[DONE]' as the payload string). */
function frames(emitted: string[]): Array<[string, unknown]> {
  return emitted.map((raw) => {
    expect(raw.endsWith('\n\n')).toBe(true);
    const event = /^event: (.*)$/m.exec(raw)?.[1] ?? '';
    const data = /^data: (.*)$/m.exec(raw)![1]!;
    return [event, data === '[DONE]' ? data : JSON.parse(data)];
  });
}

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get the current weather in a given location',
    parameters: {
      type: 'object',
      properties: { location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['location'],
    },
  },
};
const weatherSchema = weatherTool.function.parameters;

describe('chat request -> Anthropic request', () => {
  it('system and developer messages become `system`; turns keep their order; max_tokens defaults to 4096', () => {
    const body = {
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
        { role: 'user', content: 'Hello!' },
        { role: 'assistant', content: 'Bonjour ! Comment puis-je vous aider ?' },
        { role: 'user', content: 'Quelle heure est-il ?' },
      ],
    };
    expect(ok(chatRequestToAnthropic(body))).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: DEFAULT_MAX_TOKENS,
      system: 'You are a helpful assistant.\n\nAnswer in French.',
      messages: [
        { role: 'user', content: 'Hello!' },
        { role: 'assistant', content: 'Bonjour ! Comment puis-je vous aider ?' },
        { role: 'user', content: 'Quelle heure est-il ?' },
      ],
    });
    expect(DEFAULT_MAX_TOKENS).toBe(4096);
  });

  it('images: base64 data URLs become base64 sources, http(s) URLs url sources', () => {
    const body = {
      model: 'claude-sonnet-4-5',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: "What's in these images?" },
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQSkZJRg==' } },
            { type: 'image_url', image_url: { url: 'https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg', detail: 'high' } },
          ],
        },
      ],
    };
    expect(ok(chatRequestToAnthropic(body)).messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: "What's in these images?" },
          { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQSkZJRg==' } },
          { type: 'image', source: { type: 'url', url: 'https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg' } },
        ],
      },
    ]);
  });

  it('tools, assistant tool_calls and tool results (consecutive ones merged into one user turn)', () => {
    const body = {
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'user', content: "What's the weather like in Boston and Paris today?" },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_abc123', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Boston, MA"}' } },
            { id: 'call_def456', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris, France","unit":"celsius"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_abc123', content: '{"temperature":22,"unit":"celsius"}' },
        { role: 'tool', tool_call_id: 'call_def456', content: [{ type: 'text', text: '18 degrees' }] },
        { role: 'user', content: 'Which is warmer?' },
      ],
      tools: [weatherTool],
      tool_choice: 'auto',
    };
    const out = ok(chatRequestToAnthropic(body));
    expect(out.tools).toEqual([{ name: 'get_weather', description: 'Get the current weather in a given location', input_schema: weatherSchema }]);
    expect(out.tool_choice).toEqual({ type: 'auto' });
    expect(out.messages).toEqual([
      { role: 'user', content: "What's the weather like in Boston and Paris today?" },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'call_abc123', name: 'get_weather', input: { location: 'Boston, MA' } },
          { type: 'tool_use', id: 'call_def456', name: 'get_weather', input: { location: 'Paris, France', unit: 'celsius' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_abc123', content: '{"temperature":22,"unit":"celsius"}' },
          { type: 'tool_result', tool_use_id: 'call_def456', content: '18 degrees' },
          { type: 'text', text: 'Which is warmer?' },
        ],
      },
    ]);
  });

  it('assistant text alongside tool calls keeps the text first', () => {
    const body = {
      model: 'm',
      messages: [{ role: 'assistant', content: 'Let me check.', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '' } }] }],
    };
    expect(ok(chatRequestToAnthropic(body)).messages[0]!.content).toEqual([
      { type: 'text', text: 'Let me check.' },
      { type: 'tool_use', id: 'c1', name: 'f', input: {} },
    ]);
  });

  it.each([
    ['auto', undefined, { type: 'auto' }],
    ['none', undefined, { type: 'none' }],
    ['required', undefined, { type: 'any' }],
    [{ type: 'function', function: { name: 'get_weather' } }, undefined, { type: 'tool', name: 'get_weather' }],
    ['required', false, { type: 'any', disable_parallel_tool_use: true }],
    [undefined, false, { type: 'auto', disable_parallel_tool_use: true }],
    [undefined, undefined, undefined],
  ])('tool_choice %j with parallel_tool_calls %j -> %j', (toolChoice, parallel, expected) => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [weatherTool], tool_choice: toolChoice, parallel_tool_calls: parallel };
    expect(ok(chatRequestToAnthropic(body)).tool_choice).toEqual(expected);
  });

  it('legacy functions and function_call map like tools', () => {
    const body = {
      model: 'm',
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: null, function_call: { name: 'get_weather', arguments: '{"location":"Boston"}' } },
        { role: 'function', name: 'get_weather', content: 'sunny' },
      ],
      functions: [weatherTool.function],
      function_call: { name: 'get_weather' },
    };
    const out = ok(chatRequestToAnthropic(body));
    expect(out.tools).toEqual([{ name: 'get_weather', description: weatherTool.function.description, input_schema: weatherSchema }]);
    expect(out.tool_choice).toEqual({ type: 'tool', name: 'get_weather' });
    const use = (out.messages[1]!.content as Array<{ id: string }>)[0]!;
    expect(out.messages[2]).toEqual({ role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny' }] });
  });

  it('stop, temperature, top_p, max_completion_tokens, stream and user', () => {
    const body = {
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      stop: '\n\nHuman:',
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 100,
      max_completion_tokens: 300,
      stream: true,
      stream_options: { include_usage: true },
      user: 'user-1234',
      n: 1,
      logprobs: false,
      presence_penalty: 0,
      frequency_penalty: null,
      response_format: { type: 'text' },
    };
    expect(ok(chatRequestToAnthropic(body))).toEqual({
      model: 'm',
      max_tokens: 300,
      messages: [{ role: 'user', content: 'hi' }],
      stop_sequences: ['\n\nHuman:'],
      temperature: 0.2,
      top_p: 0.9,
      stream: true,
      metadata: { user_id: 'user-1234' },
    });
    expect(ok(chatRequestToAnthropic({ model: 'm', messages: [], stop: ['a', 'b'], max_tokens: 5 }))).toMatchObject({ stop_sequences: ['a', 'b'], max_tokens: 5 });
  });

  const suffix = 'is not supported when an OpenAI chat request is served by an Anthropic model';
  it.each([
    [{ n: 2 }, 'n > 1'],
    [{ logprobs: true }, 'logprobs'],
    [{ top_logprobs: 3 }, 'logprobs'],
    [{ audio: { voice: 'alloy', format: 'wav' }, modalities: ['text', 'audio'] }, 'audio output'],
    [{ modalities: ['text', 'audio'] }, 'audio output'],
    [{ response_format: { type: 'json_object' } }, 'response_format (JSON mode and structured outputs)'],
    [{ presence_penalty: 0.5 }, 'presence_penalty'],
    [{ frequency_penalty: 1 }, 'frequency_penalty'],
    [{ logit_bias: { '50256': -100 } }, 'logit_bias'],
    [{ seed: 42 }, 'the "seed" parameter'],
    [{ reasoning_effort: 'low' }, 'the "reasoning_effort" parameter'],
    [{ temperature: 1.5 }, 'a temperature above 1 (Anthropic accepts 0 to 1)'],
    [{ service_tier: 'flex' }, 'service_tier "flex"'],
    [{ tools: [{ type: 'custom', custom: { name: 'x' } }] }, 'the "custom" tool type'],
    [{ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAA', format: 'wav' } }] }] }, 'audio input'],
    [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'file:///x.png' } }] }] }, 'an image URL that is neither a base64 data URL nor http(s)'],
    [{ messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '[1]' } }] }] }, 'tool call arguments that are not a JSON object'],
  ])('%j is refused, naming the feature', (extra, feature) => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }], ...extra };
    expect(chatRequestToAnthropic(body)).toEqual({ unsupported: `${feature} ${suffix}` });
  });
});

describe('Anthropic response -> chat completion', () => {
  it('text, with stop_reason and usage (cache reads and writes summed into prompt_tokens)', () => {
    const message = {
      id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5-20250929',
      content: [{ type: 'text', text: 'Hi! My name is Claude.' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 2095, output_tokens: 503, cache_creation_input_tokens: 100, cache_read_input_tokens: 1800 },
    };
    expect(anthropicResponseToChat(message, 'claude-sonnet-4-5', 1700000000)).toEqual({
      id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
      object: 'chat.completion',
      created: 1700000000,
      model: 'claude-sonnet-4-5',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hi! My name is Claude.', refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 3995, completion_tokens: 503, total_tokens: 4498, prompt_tokens_details: { cached_tokens: 1800 } },
    });
  });

  it('tool_use blocks become tool_calls with JSON-string arguments', () => {
    const message = {
      id: 'msg_01Aq9w938a90dw8q',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      stop_reason: 'tool_use',
      content: [
        { type: 'text', text: "I'll check the current weather in San Francisco for you." },
        { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { location: 'San Francisco, CA', unit: 'celsius' } },
      ],
      usage: { input_tokens: 472, output_tokens: 89 },
    };
    const chat = anthropicResponseToChat(message, 'claude-sonnet-4-5', 1);
    expect(chat.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: "I'll check the current weather in San Francisco for you.",
        refusal: null,
        tool_calls: [{ id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' } }],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    });
    expect(chat.usage).toEqual({ prompt_tokens: 472, completion_tokens: 89, total_tokens: 561, prompt_tokens_details: { cached_tokens: 0 } });
    const toolsOnly = anthropicResponseToChat({ ...message, content: [message.content[1]] }, 'm', 1);
    expect(toolsOnly.choices[0]!.message.content).toBeNull();
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'],
    ['pause_turn', 'stop'],
    ['refusal', 'content_filter'],
    ['model_context_window_exceeded', 'length'],
  ])('stop_reason %s -> finish_reason %s', (stopReason, finish) => {
    expect(anthropicResponseToChat({ content: [], stop_reason: stopReason }, 'm', 1).choices[0]!.finish_reason).toBe(finish);
  });
});

describe('Anthropic errors -> OpenAI error shape', () => {
  it.each([
    [400, 'invalid_request_error', 'max_tokens: Field required', 'invalid_request_error'],
    [401, 'authentication_error', 'invalid x-api-key', 'authentication_error'],
    [429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit', 'rate_limit_error'],
    [529, 'overloaded_error', 'Overloaded', 'server_error'],
  ])('%i %s', (status, type, message, openAiType) => {
    const body = { type: 'error', error: { type, message }, request_id: 'req_011CSHoEeqs5C35K2UUqR7Fy' };
    expect(anthropicErrorToChat(status, body)).toEqual({ error: { message, type: openAiType, param: null, code: type } });
  });

  it('a body that is not an Anthropic error still yields a message', () => {
    expect(anthropicErrorToChat(502, '<html>bad gateway</html>')).toEqual({
      error: { message: 'the Anthropic upstream answered with status 502', type: 'server_error', param: null, code: 'api_error' },
    });
  });
});

/** Anthropic's documented basic streaming example. */
const textStream: Array<[string, object]> = [
  ['message_start', { type: 'message_start', message: { id: 'msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY', type: 'message', role: 'assistant', content: [], model: 'claude-sonnet-4-5', stop_reason: null, stop_sequence: null, usage: { input_tokens: 25, output_tokens: 1, cache_read_input_tokens: 10, cache_creation_input_tokens: 5 } } }],
  ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
  ['ping', { type: 'ping' }],
  ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '!' } }],
  ['content_block_stop', { type: 'content_block_stop', index: 0 }],
  ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 15 } }],
  ['message_stop', { type: 'message_stop' }],
];

/** Anthropic's documented tool use streaming example (shortened). */
const toolStream: Array<[string, object]> = [
  ['message_start', { type: 'message_start', message: { id: 'msg_014p7gG3wDgGV9EUtLvnow3U', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', stop_sequence: null, usage: { input_tokens: 472, output_tokens: 2 }, content: [], stop_reason: null } }],
  ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
  ['ping', { type: 'ping' }],
  ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Okay, let me check.' } }],
  ['content_block_stop', { type: 'content_block_stop', index: 0 }],
  ['content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: {} } }],
  ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"location":' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: ' "San Francisc' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: 'o, CA"}' } }],
  ['content_block_stop', { type: 'content_block_stop', index: 1 }],
  ['content_block_start', { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_02', name: 'get_time', input: {} } }],
  ['content_block_delta', { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{}' } }],
  ['content_block_stop', { type: 'content_block_stop', index: 2 }],
  ['message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 89 } }],
  ['message_stop', { type: 'message_stop' }],
];

function run(stream: AnthropicToChatStream, events: Array<[string, object]>): string[] {
  return events.flatMap(([event, payload]) => stream.pushSse({ event, data: JSON.stringify(payload) }));
}

describe('Anthropic stream -> chat chunks', () => {
  const base = { object: 'chat.completion.chunk', created: 1700000000, model: 'claude-sonnet-4-5' };

  it('text: role delta, text deltas, finish_reason, usage chunk, [DONE] (exact bytes)', () => {
    const stream = new AnthropicToChatStream({ model: 'claude-sonnet-4-5', includeUsage: true, created: 1700000000 });
    const out = run(stream, textStream);
    const id = 'msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY';
    const chunk = (delta: object, finish: string | null = null) =>
      `data: ${JSON.stringify({ id, ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], usage: null })}\n\n`;
    expect(out).toEqual([
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: 'Hello' }),
      chunk({ content: '!' }),
      chunk({}, 'stop'),
      `data: ${JSON.stringify({ id, ...base, choices: [], usage: { prompt_tokens: 40, completion_tokens: 15, total_tokens: 55, prompt_tokens_details: { cached_tokens: 10 } } })}\n\n`,
      'data: [DONE]\n\n',
    ]);
    expect(stream.done).toBe(true);
    expect(stream.end()).toEqual([]);
  });

  it('tool calls: index, id and name first, then argument fragments; no usage chunk unless asked', () => {
    const stream = new AnthropicToChatStream({ model: 'claude-sonnet-4-5', includeUsage: false, created: 1700000000 });
    const deltas = frames(run(stream, toolStream)).map(([, payload]) =>
      payload === '[DONE]' ? payload : (payload as { choices: Array<{ delta: object; finish_reason: string | null }> }).choices.map((c) => [c.delta, c.finish_reason]),
    );
    expect(deltas).toEqual([
      [[{ role: 'assistant', content: '' }, null]],
      [[{ content: 'Okay, let me check.' }, null]],
      [[{ tool_calls: [{ index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', type: 'function', function: { name: 'get_weather', arguments: '' } }] }, null]],
      [[{ tool_calls: [{ index: 0, function: { arguments: '{"location":' } }] }, null]],
      [[{ tool_calls: [{ index: 0, function: { arguments: ' "San Francisc' } }] }, null]],
      [[{ tool_calls: [{ index: 0, function: { arguments: 'o, CA"}' } }] }, null]],
      [[{ tool_calls: [{ index: 1, id: 'toolu_02', type: 'function', function: { name: 'get_time', arguments: '' } }] }, null]],
      [[{ tool_calls: [{ index: 1, function: { arguments: '{}' } }] }, null]],
      [[{}, 'tool_calls']],
      '[DONE]',
    ]);
  });

  it('an error event becomes an OpenAI error chunk and ends the stream', () => {
    const stream = new AnthropicToChatStream({ model: 'm', includeUsage: true, created: 1 });
    run(stream, textStream.slice(0, 4));
    const out = stream.push('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    expect(out).toEqual([`data: ${JSON.stringify({ error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded_error' } })}\n\n`]);
    expect(stream.push('message_stop', { type: 'message_stop' })).toEqual([]);
  });

  it('a stream cut off before message_stop ends with an error chunk; one cut after message_delta completes', () => {
    const cut = new AnthropicToChatStream({ model: 'm', includeUsage: false, created: 1 });
    run(cut, textStream.slice(0, 4));
    expect(frames(cut.end())).toEqual([['', { error: { message: 'the Anthropic stream ended before the message was complete', type: 'server_error', param: null, code: 'incomplete_stream' } }]]);
    const late = new AnthropicToChatStream({ model: 'm', includeUsage: false, created: 1 });
    run(late, textStream.slice(0, 7));
    expect(late.end()).toEqual(['data: [DONE]\n\n']);
  });
});

describe('round trip', () => {
  it('chat -> Anthropic -> chat keeps the meaning of the request', () => {
    const chat = {
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'What is this and what is the weather there?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
        { role: 'assistant', content: 'It is the Eiffel Tower; sunny.' },
        { role: 'user', content: 'Thanks' },
      ],
      tools: [weatherTool],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
      stop: ['END'],
      temperature: 0.5,
      top_p: 0.8,
      max_completion_tokens: 256,
      stream: true,
      user: 'u1',
    };
    const back = ok(anthropicRequestToChat(ok(chatRequestToAnthropic(chat)) as unknown as Record<string, unknown>));
    expect(back).toEqual({ ...chat, stream_options: { include_usage: true } });
  });
});
