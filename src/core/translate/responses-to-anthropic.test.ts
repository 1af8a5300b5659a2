// Golden tests: an OpenAI Responses client served by an Anthropic model. Fixtures follow OpenAI's Responses API
// reference and Anthropic's messages / tool use / streaming docs.
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_TOKENS } from './chat-to-anthropic.js';
import type { Translated } from './common.js';
import {
  anthropicErrorToResponses,
  anthropicResponseToResponses,
  AnthropicToResponsesStream,
  responsesRequestToAnthropic,
} from './responses-to-anthropic.js';

function ok<T>(result: Translated<T>): T {
  if ('unsupported' in result) throw new Error(result.unsupported);
  return result.body;
}

function refusal<T>(result: Translated<T>): string {
  if ('body' in result) throw new Error(`expected a refusal, got ${JSON.stringify(result.body)}`);
  return result.unsupported;
}

function responseEvents(emitted: string[]): Array<[string, Record<string, unknown>]> {
  return emitted.map((raw, i) => {
    expect(raw.endsWith('\n\n')).toBe(true);
    const event = /^event: (.*)$/m.exec(raw)![1]!;
    const data = JSON.parse(/^data: (.*)$/m.exec(raw)![1]!) as Record<string, unknown>;
    expect(data.type).toBe(event);
    expect(data.sequence_number).toBe(i);
    return [event, data];
  });
}

function withoutSequence([, data]: [string, Record<string, unknown>]): Record<string, unknown> {
  const { sequence_number: _s, ...rest } = data;
  return rest;
}

const weatherTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Get the current weather in a given location',
  parameters: { type: 'object', properties: { location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' } }, required: ['location'] },
};

const SUFFIX = 'is not supported when a Responses request is served by an Anthropic model';

describe('Responses request -> Anthropic request', () => {
  it('instructions become system; string input one user turn; max_tokens defaults to 4096', () => {
    expect(ok(responsesRequestToAnthropic({ model: 'claude-sonnet-4-5', instructions: 'You are a helpful assistant.', input: 'Hello, Claude', temperature: 0.5, top_p: 0.9 }))).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: DEFAULT_MAX_TOKENS,
      system: 'You are a helpful assistant.',
      messages: [{ role: 'user', content: 'Hello, Claude' }],
      temperature: 0.5,
      top_p: 0.9,
    });
    expect(DEFAULT_MAX_TOKENS).toBe(4096);
  });

  it('multi-turn items, images (base64 and URL), max_output_tokens, stream, user', () => {
    const body = {
      model: 'claude-sonnet-4-5',
      input: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: 'Hello there.' },
        { role: 'assistant', content: [{ type: 'output_text', text: "Hi, I'm Claude. How can I help you?" }] },
        {
          role: 'user',
          content: [
            { type: 'input_image', image_url: 'data:image/jpeg;base64,/9j/4AAQSkZJRg==' },
            { type: 'input_image', image_url: 'https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg' },
            { type: 'input_text', text: 'Describe these images.' },
          ],
        },
      ],
      max_output_tokens: 1024,
      stream: true,
      user: 'user-42',
      store: false,
    };
    expect(ok(responsesRequestToAnthropic(body))).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 1024,
      system: 'Be brief.',
      messages: [
        { role: 'user', content: 'Hello there.' },
        { role: 'assistant', content: "Hi, I'm Claude. How can I help you?" },
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQSkZJRg==' } },
            { type: 'image', source: { type: 'url', url: 'https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg' } },
            { type: 'text', text: 'Describe these images.' },
          ],
        },
      ],
      stream: true,
      metadata: { user_id: 'user-42' },
    });
  });

  it('function tools, function_call -> tool_use, function_call_output -> tool_result, tool_choice', () => {
    const body = {
      model: 'claude-sonnet-4-5',
      input: [
        { role: 'user', content: 'What is the weather like in San Francisco?' },
        { type: 'function_call', call_id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', arguments: '{"location":"San Francisco, CA"}' },
        { type: 'function_call_output', call_id: 'toolu_01A09q90qw90lq917835lq9', output: '15 degrees' },
      ],
      tools: [weatherTool],
      tool_choice: 'required',
      parallel_tool_calls: false,
    };
    const out = ok(responsesRequestToAnthropic(body));
    expect(out.tools).toEqual([{ name: 'get_weather', description: weatherTool.description, input_schema: weatherTool.parameters }]);
    expect(out.tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true });
    expect(out.messages).toEqual([
      { role: 'user', content: 'What is the weather like in San Francisco?' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { location: 'San Francisco, CA' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: '15 degrees' }] },
    ]);
    const named = ok(responsesRequestToAnthropic({ ...body, tool_choice: { type: 'function', name: 'get_weather' }, parallel_tool_calls: true }));
    expect(named.tool_choice).toEqual({ type: 'tool', name: 'get_weather' });
  });

  it('refuses, naming the feature, both Responses-only features and those the chat leg refuses', () => {
    const cases: Array<[object, string]> = [
      [{ tools: [{ type: 'web_search' }] }, 'the built-in "web_search" tool'],
      [{ previous_response_id: 'resp_1' }, 'previous_response_id (server-side conversation state)'],
      [{ background: true }, 'background mode'],
      [{ reasoning: { effort: 'high' } }, 'reasoning.effort'],
      [{ reasoning: { summary: 'detailed' } }, 'reasoning summaries'],
      [{ text: { format: { type: 'json_object' } } }, 'text.format (JSON mode and structured outputs)'],
      [{ temperature: 1.5 }, 'a temperature above 1 (Anthropic accepts 0 to 1)'],
      [{ input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'ftp://x/y.png' }] }] }, 'an image URL that is neither a base64 data URL nor http(s)'],
      [{ input: [{ type: 'function_call', call_id: 'c', name: 'f', arguments: '[1]' }] }, 'tool call arguments that are not a JSON object'],
    ];
    for (const [extra, feature] of cases) {
      expect(refusal(responsesRequestToAnthropic({ model: 'claude-sonnet-4-5', input: 'hi', ...extra }))).toBe(`${feature} ${SUFFIX}`);
    }
  });
});

describe('Anthropic response -> Responses response', () => {
  it('text and tool_use blocks with cache usage', () => {
    const json = {
      id: 'msg_01Aq9w938a90dw8q',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5-20250929',
      content: [
        { type: 'thinking', thinking: 'hmm', signature: 'x' },
        { type: 'text', text: "I'll check the current weather in San Francisco for you." },
        { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { location: 'San Francisco, CA' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 100, output_tokens: 50, cache_read_input_tokens: 2000, cache_creation_input_tokens: 300 },
    };
    expect(anthropicResponseToResponses(json, 'claude-sonnet-4-5', 7)).toEqual({
      id: 'resp_msg_01Aq9w938a90dw8q',
      object: 'response',
      created_at: 7,
      status: 'completed',
      error: null,
      incomplete_details: null,
      model: 'claude-sonnet-4-5',
      output: [
        { id: 'msg_msg_01Aq9w938a90dw8q_0', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: "I'll check the current weather in San Francisco for you.", annotations: [] }] },
        { id: 'fc_msg_01Aq9w938a90dw8q_1', type: 'function_call', status: 'completed', call_id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', arguments: '{"location":"San Francisco, CA"}' },
      ],
      usage: { input_tokens: 2400, input_tokens_details: { cached_tokens: 2000 }, output_tokens: 50, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 2450 },
    });
  });

  it('max_tokens ends the response incomplete', () => {
    const out = anthropicResponseToResponses({ id: 'msg_1', content: [{ type: 'text', text: 'Once' }], stop_reason: 'max_tokens', usage: { input_tokens: 3, output_tokens: 1 } }, 'claude', 1);
    expect(out).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
  });
});

describe('Anthropic errors -> Responses errors', () => {
  it('uses the OpenAI error shape with the Anthropic type as code', () => {
    expect(anthropicErrorToResponses(529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })).toEqual({
      error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded_error' },
    });
    expect(anthropicErrorToResponses(400, { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } })).toEqual({
      error: { message: 'max_tokens: Field required', type: 'invalid_request_error', param: null, code: 'invalid_request_error' },
    });
  });
});

function feed(events: Array<[string, object]>, finish = true): Array<[string, Record<string, unknown>]> {
  const stream = new AnthropicToResponsesStream({ model: 'claude-sonnet-4-5', createdAt: 5 });
  const emitted = events.flatMap(([event, payload]) => stream.pushSse({ event, data: JSON.stringify(payload) }));
  if (finish) emitted.push(...stream.end());
  return responseEvents(emitted);
}

const start: [string, object] = ['message_start', { type: 'message_start', message: { id: 'msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY', type: 'message', role: 'assistant', content: [], model: 'claude-sonnet-4-5', stop_reason: null, stop_sequence: null, usage: { input_tokens: 472, output_tokens: 2, cache_read_input_tokens: 100 } } }];

describe('Anthropic stream -> Responses stream', () => {
  it('text: the exact event sequence', () => {
    const events = feed([
      start,
      ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
      ['ping', { type: 'ping' }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '!' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 15 } }],
      ['message_stop', { type: 'message_stop' }],
    ]);
    const id = 'msg_msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY_0';
    const at = { item_id: id, output_index: 0, content_index: 0 };
    const message = { id, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Hello!', annotations: [] }] };
    expect(events.map(withoutSequence)).toEqual([
      { type: 'response.created', response: expect.objectContaining({ id: 'resp_msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY', status: 'in_progress', model: 'claude-sonnet-4-5', created_at: 5, output: [] }) },
      { type: 'response.in_progress', response: expect.objectContaining({ status: 'in_progress' }) },
      { type: 'response.output_item.added', output_index: 0, item: { ...message, status: 'in_progress', content: [] } },
      { type: 'response.content_part.added', ...at, part: { type: 'output_text', text: '', annotations: [] } },
      { type: 'response.output_text.delta', ...at, delta: 'Hello', logprobs: [] },
      { type: 'response.output_text.delta', ...at, delta: '!', logprobs: [] },
      { type: 'response.output_text.done', ...at, text: 'Hello!', logprobs: [] },
      { type: 'response.content_part.done', ...at, part: { type: 'output_text', text: 'Hello!', annotations: [] } },
      { type: 'response.output_item.done', output_index: 0, item: message },
      {
        type: 'response.completed',
        response: expect.objectContaining({
          status: 'completed',
          output: [message],
          usage: { input_tokens: 572, input_tokens_details: { cached_tokens: 100 }, output_tokens: 15, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 587 },
        }),
      },
    ]);
  });

  it('tool_use input_json_delta -> function_call_arguments deltas', () => {
    const events = feed([
      start,
      ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: {} } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"location": "San Fra' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: 'ncisco, CA"}' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      ['message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 89 } }],
      ['message_stop', { type: 'message_stop' }],
    ]);
    const id = 'fc_msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY_0';
    const call = { id, type: 'function_call', status: 'completed', call_id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', arguments: '{"location": "San Francisco, CA"}' };
    expect(events.slice(2).map(withoutSequence)).toEqual([
      { type: 'response.output_item.added', output_index: 0, item: { ...call, status: 'in_progress', arguments: '' } },
      { type: 'response.function_call_arguments.delta', item_id: id, output_index: 0, delta: '{"location": "San Fra' },
      { type: 'response.function_call_arguments.delta', item_id: id, output_index: 0, delta: 'ncisco, CA"}' },
      { type: 'response.function_call_arguments.done', item_id: id, output_index: 0, name: 'get_weather', arguments: call.arguments },
      { type: 'response.output_item.done', output_index: 0, item: call },
      { type: 'response.completed', response: expect.objectContaining({ status: 'completed', output: [call], usage: expect.objectContaining({ input_tokens: 572, output_tokens: 89 }) }) },
    ]);
  });

  it('an Anthropic error event becomes `error` then `response.failed`; a cut-off stream fails', () => {
    const errored = feed([start, ['error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }]]);
    expect(errored.slice(-2).map(withoutSequence)).toEqual([
      { type: 'error', code: 'overloaded_error', message: 'Overloaded', param: null },
      { type: 'response.failed', response: expect.objectContaining({ status: 'failed', error: { code: 'server_error', message: 'Overloaded' } }) },
    ]);
    const cut = feed([start, ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }]]);
    expect(cut.slice(-2).map(([type]) => type)).toEqual(['error', 'response.failed']);
  });
});
