// Golden tests: an OpenAI Responses client served by a chat completions model. Fixtures follow the examples in
// OpenAI's Responses API reference (create, function calling, streaming events) and chat completions reference.
import { describe, expect, it } from 'vitest';
import type { Translated } from './common.js';
import { chatErrorToResponses, chatResponseToResponses, ChatToResponsesStream, responsesRequestToChat } from './responses-to-chat.js';

function ok<T>(result: Translated<T>): T {
  if ('unsupported' in result) throw new Error(result.unsupported);
  return result.body;
}

function refusal<T>(result: Translated<T>): string {
  if ('body' in result) throw new Error(`expected a refusal, got ${JSON.stringify(result.body)}`);
  return result.unsupported;
}

/** Emitted SSE strings as [event, payload]; checks the event name matches `type` and sequence numbers count up. */
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

const weatherTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Get current temperature for a given location.',
  parameters: {
    type: 'object',
    properties: { location: { type: 'string', description: 'City and country e.g. Bogotá, Colombia' } },
    required: ['location'],
    additionalProperties: false,
  },
  strict: true,
};

const chatWeatherTool = {
  type: 'function',
  function: { name: 'get_weather', description: weatherTool.description, parameters: weatherTool.parameters },
};

const SUFFIX = 'is not supported when a Responses request is served by a chat-completions model';

describe('Responses request -> chat request', () => {
  it('text input with instructions, max_output_tokens, temperature, top_p', () => {
    const body = {
      model: 'gpt-4.1',
      instructions: 'You are a coding assistant that talks like a pirate.',
      input: 'Are semicolons optional in JavaScript?',
      max_output_tokens: 500,
      temperature: 0.7,
      top_p: 0.9,
      store: true,
      metadata: { topic: 'js' },
    };
    expect(ok(responsesRequestToChat(body))).toEqual({
      model: 'gpt-4.1',
      messages: [
        { role: 'system', content: 'You are a coding assistant that talks like a pirate.' },
        { role: 'user', content: 'Are semicolons optional in JavaScript?' },
      ],
      max_completion_tokens: 500,
      temperature: 0.7,
      top_p: 0.9,
    });
  });

  it('multi-turn message items: developer/system, user and assistant (output_text) turns in order', () => {
    const body = {
      model: 'gpt-4.1',
      input: [
        { role: 'developer', content: 'Talk like a pirate.' },
        { role: 'user', content: 'knock knock.' },
        { type: 'message', role: 'assistant', id: 'msg_1', status: 'completed', content: [{ type: 'output_text', text: "Who's there?", annotations: [] }] },
        { role: 'user', content: [{ type: 'input_text', text: 'Orange.' }] },
      ],
    };
    expect(ok(responsesRequestToChat(body)).messages).toEqual([
      { role: 'system', content: 'Talk like a pirate.' },
      { role: 'user', content: 'knock knock.' },
      { role: 'assistant', content: "Who's there?" },
      { role: 'user', content: [{ type: 'text', text: 'Orange.' }] },
    ]);
  });

  it('images (URL with detail, base64 data URL) and a base64 PDF file', () => {
    const body = {
      model: 'gpt-4.1',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'what is in this image?' },
            { type: 'input_image', image_url: 'https://upload.wikimedia.org/wikipedia/commons/thumb/d/dd/Gfp-wisconsin-madison-the-nature-boardwalk.jpg/2560px-Gfp-wisconsin-madison-the-nature-boardwalk.jpg', detail: 'high' },
            { type: 'input_image', image_url: 'data:image/jpeg;base64,/9j/4AAQSkZJRg==', detail: 'auto' },
            { type: 'input_file', filename: 'draconomicon.pdf', file_data: 'data:application/pdf;base64,JVBERi0x' },
          ],
        },
      ],
    };
    expect(ok(responsesRequestToChat(body)).messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'what is in this image?' },
          { type: 'image_url', image_url: { url: 'https://upload.wikimedia.org/wikipedia/commons/thumb/d/dd/Gfp-wisconsin-madison-the-nature-boardwalk.jpg/2560px-Gfp-wisconsin-madison-the-nature-boardwalk.jpg', detail: 'high' } },
          { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQSkZJRg==' } },
          { type: 'file', file: { filename: 'draconomicon.pdf', file_data: 'data:application/pdf;base64,JVBERi0x' } },
        ],
      },
    ]);
  });

  it('function tools, function_call and function_call_output items, tool_choice, parallel_tool_calls, stream', () => {
    const body = {
      model: 'gpt-4.1',
      input: [
        { role: 'user', content: "What's the weather like in Paris and Bogotá today?" },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking both.' }] },
        { type: 'function_call', id: 'fc_1', call_id: 'call_12345xyz', name: 'get_weather', arguments: '{"location":"Paris, France"}' },
        { type: 'function_call', id: 'fc_2', call_id: 'call_67890abc', name: 'get_weather', arguments: '{"location":"Bogotá, Colombia"}' },
        { type: 'function_call_output', call_id: 'call_12345xyz', output: '{"temperature": 14}' },
        { type: 'function_call_output', call_id: 'call_67890abc', output: [{ type: 'input_text', text: '{"temperature": 19}' }] },
        { type: 'reasoning', id: 'rs_1', summary: [] },
      ],
      tools: [weatherTool],
      tool_choice: { type: 'function', name: 'get_weather' },
      parallel_tool_calls: false,
      stream: true,
    };
    expect(ok(responsesRequestToChat(body))).toEqual({
      model: 'gpt-4.1',
      messages: [
        { role: 'user', content: "What's the weather like in Paris and Bogotá today?" },
        {
          role: 'assistant',
          content: 'Checking both.',
          tool_calls: [
            { id: 'call_12345xyz', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris, France"}' } },
            { id: 'call_67890abc', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Bogotá, Colombia"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_12345xyz', content: '{"temperature": 14}' },
        { role: 'tool', tool_call_id: 'call_67890abc', content: '{"temperature": 19}' },
      ],
      tools: [chatWeatherTool],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('tool_choice strings pass through; reasoning.effort, text.format and verbosity map to chat parameters', () => {
    for (const choice of ['auto', 'none', 'required'] as const) {
      expect(ok(responsesRequestToChat({ model: 'm', input: 'x', tools: [weatherTool], tool_choice: choice })).tool_choice).toBe(choice);
    }
    const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };
    expect(ok(responsesRequestToChat({
      model: 'o4-mini',
      input: 'x',
      reasoning: { effort: 'low' },
      text: { format: { type: 'json_schema', name: 'thing', schema, strict: true }, verbosity: 'low' },
      user: 'user-1',
    }))).toEqual({
      model: 'o4-mini',
      messages: [{ role: 'user', content: 'x' }],
      reasoning_effort: 'low',
      response_format: { type: 'json_schema', json_schema: { name: 'thing', schema, strict: true } },
      verbosity: 'low',
      user: 'user-1',
    });
  });

  it('refuses what a chat model cannot do, naming the feature', () => {
    const cases: Array<[object, string]> = [
      [{ tools: [{ type: 'web_search_preview' }] }, 'the built-in "web_search_preview" tool'],
      [{ tools: [{ type: 'file_search', vector_store_ids: ['vs_1'] }] }, 'the built-in "file_search" tool'],
      [{ tools: [{ type: 'computer_use_preview', display_width: 1024, display_height: 768, environment: 'browser' }] }, 'the built-in "computer_use_preview" tool'],
      [{ previous_response_id: 'resp_123' }, 'previous_response_id (server-side conversation state)'],
      [{ background: true }, 'background mode'],
      [{ reasoning: { effort: 'medium', summary: 'auto' } }, 'reasoning summaries'],
      [{ input: [{ type: 'item_reference', id: 'msg_1' }] }, 'item_reference (server-side conversation state)'],
      [{ input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1' }] }] }, 'input_image with a file_id (uploaded files)'],
      [{ include: ['reasoning.encrypted_content'] }, 'include ["reasoning.encrypted_content"]'],
      [{ tool_choice: { type: 'web_search_preview' } }, 'tool_choice {"type":"web_search_preview"}'],
      [{ truncation: 'auto' }, 'truncation "auto"'],
      [{ seed: 1 }, 'the "seed" parameter'],
    ];
    for (const [extra, feature] of cases) {
      expect(refusal(responsesRequestToChat({ model: 'gpt-4.1', input: 'hi', ...extra }))).toBe(`${feature} ${SUFFIX}`);
    }
  });
});

describe('chat response -> Responses response', () => {
  it('text with usage (cached and reasoning tokens)', () => {
    const json = {
      id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
      object: 'chat.completion',
      created: 1741569952,
      model: 'gpt-4.1-2025-04-14',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello! How can I assist you today?', refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: 19,
        completion_tokens: 10,
        total_tokens: 29,
        prompt_tokens_details: { cached_tokens: 12, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 4, audio_tokens: 0 },
      },
    };
    expect(chatResponseToResponses(json, 'gpt-4.1', 1741569952)).toEqual({
      id: 'resp_chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
      object: 'response',
      created_at: 1741569952,
      status: 'completed',
      error: null,
      incomplete_details: null,
      model: 'gpt-4.1',
      output: [
        {
          id: 'msg_chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT_0',
          type: 'message',
          status: 'completed',
          role: 'assistant',
          content: [{ type: 'output_text', text: 'Hello! How can I assist you today?', annotations: [] }],
        },
      ],
      usage: { input_tokens: 19, input_tokens_details: { cached_tokens: 12 }, output_tokens: 10, output_tokens_details: { reasoning_tokens: 4 }, total_tokens: 29 },
    });
  });

  it('tool calls become function_call items after the message', () => {
    const json = {
      id: 'chatcmpl-abc123',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Let me check.',
            tool_calls: [{ id: 'call_12345xyz', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris, France"}' } }],
          },
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 82, completion_tokens: 17, total_tokens: 99 },
    };
    const out = chatResponseToResponses(json, 'gpt-4.1', 1);
    expect(out.status).toBe('completed');
    expect(out.output).toEqual([
      { id: 'msg_chatcmpl-abc123_0', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Let me check.', annotations: [] }] },
      { id: 'fc_chatcmpl-abc123_1', type: 'function_call', status: 'completed', call_id: 'call_12345xyz', name: 'get_weather', arguments: '{"location":"Paris, France"}' },
    ]);
    expect(out.usage).toEqual({ input_tokens: 82, input_tokens_details: { cached_tokens: 0 }, output_tokens: 17, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 99 });
  });

  it('length and content_filter end the response incomplete; a refusal is a refusal part', () => {
    const cut = chatResponseToResponses({ id: 'c', choices: [{ message: { content: 'Once upon' }, finish_reason: 'length' }] }, 'm', 1);
    expect(cut.status).toBe('incomplete');
    expect(cut.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(cut.output[0]!.status).toBe('incomplete');
    const refused = chatResponseToResponses({ id: 'c', choices: [{ message: { content: null, refusal: "I can't help with that." }, finish_reason: 'content_filter' }] }, 'm', 1);
    expect(refused.incomplete_details).toEqual({ reason: 'content_filter' });
    expect(refused.output).toEqual([{ id: 'msg_c_0', type: 'message', status: 'incomplete', role: 'assistant', content: [{ type: 'refusal', refusal: "I can't help with that." }] }]);
  });
});

describe('chat errors -> Responses errors', () => {
  it('keeps the OpenAI error shape, normalised', () => {
    const json = { error: { message: 'Rate limit reached for gpt-4.1', type: 'requests', param: null, code: 'rate_limit_exceeded' } };
    expect(chatErrorToResponses(429, json)).toEqual(json);
    expect(chatErrorToResponses(502, 'Bad Gateway')).toEqual({
      error: { message: 'the upstream answered with status 502', type: 'server_error', param: null, code: null },
    });
  });
});

const head = { id: 'chatcmpl-123', object: 'chat.completion.chunk', created: 1694268190, model: 'gpt-4.1' };

function run(chunks: object[]): Array<[string, Record<string, unknown>]> {
  const stream = new ChatToResponsesStream({ model: 'gpt-4.1', createdAt: 1694268190 });
  const emitted = [...chunks.flatMap((c) => stream.push(c as Record<string, unknown>)), ...stream.pushSse({ event: '', data: '[DONE]' }), ...stream.end()];
  expect(stream.done).toBe(true);
  return responseEvents(emitted);
}

describe('chat stream -> Responses stream', () => {
  it('text: the exact event sequence, usage in response.completed', () => {
    const events = run([
      { ...head, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
      { ...head, choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }] },
      { ...head, choices: [{ index: 0, delta: { content: ' there' }, finish_reason: null }] },
      { ...head, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
      { ...head, choices: [], usage: { prompt_tokens: 37, completion_tokens: 11, total_tokens: 48, prompt_tokens_details: { cached_tokens: 5 }, completion_tokens_details: { reasoning_tokens: 0 } } },
    ]);
    const inProgress = { id: 'resp_chatcmpl-123', object: 'response', created_at: 1694268190, status: 'in_progress', error: null, incomplete_details: null, model: 'gpt-4.1', output: [], usage: null };
    const at = { item_id: 'msg_chatcmpl-123_0', output_index: 0, content_index: 0 };
    const message = { id: 'msg_chatcmpl-123_0', type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hi there', annotations: [] }], status: 'completed' };
    expect(events.map(([, data]) => { const { sequence_number: _s, ...rest } = data; return rest; })).toEqual([
      { type: 'response.created', response: inProgress },
      { type: 'response.in_progress', response: inProgress },
      { type: 'response.output_item.added', output_index: 0, item: { id: 'msg_chatcmpl-123_0', type: 'message', status: 'in_progress', role: 'assistant', content: [] } },
      { type: 'response.content_part.added', ...at, part: { type: 'output_text', text: '', annotations: [] } },
      { type: 'response.output_text.delta', ...at, delta: 'Hi', logprobs: [] },
      { type: 'response.output_text.delta', ...at, delta: ' there', logprobs: [] },
      { type: 'response.output_text.done', ...at, text: 'Hi there', logprobs: [] },
      { type: 'response.content_part.done', ...at, part: { type: 'output_text', text: 'Hi there', annotations: [] } },
      { type: 'response.output_item.done', output_index: 0, item: message },
      {
        type: 'response.completed',
        response: {
          ...inProgress,
          status: 'completed',
          output: [message],
          usage: { input_tokens: 37, input_tokens_details: { cached_tokens: 5 }, output_tokens: 11, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 48 },
        },
      },
    ]);
  });

  it('function call arguments: item added, argument deltas, done, item done', () => {
    const events = run([
      { ...head, choices: [{ index: 0, delta: { role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '' } }] }, finish_reason: null }] },
      { ...head, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"location":' } }] }, finish_reason: null }] },
      { ...head, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ' "Paris, France"}' } }] }, finish_reason: null }] },
      { ...head, choices: [{ index: 0, delta: { tool_calls: [{ index: 1, id: 'call_def', type: 'function', function: { name: 'get_time', arguments: '{}' } }] }, finish_reason: null }] },
      { ...head, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
      { ...head, choices: [], usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 } },
    ]);
    const call0 = { id: 'fc_chatcmpl-123_0', type: 'function_call', status: 'completed', call_id: 'call_abc', name: 'get_weather', arguments: '{"location": "Paris, France"}' };
    const call1 = { id: 'fc_chatcmpl-123_1', type: 'function_call', status: 'completed', call_id: 'call_def', name: 'get_time', arguments: '{}' };
    expect(events.slice(2).map(([, data]) => { const { sequence_number: _s, ...rest } = data; return rest; })).toEqual([
      { type: 'response.output_item.added', output_index: 0, item: { ...call0, status: 'in_progress', arguments: '' } },
      { type: 'response.function_call_arguments.delta', item_id: call0.id, output_index: 0, delta: '{"location":' },
      { type: 'response.function_call_arguments.delta', item_id: call0.id, output_index: 0, delta: ' "Paris, France"}' },
      { type: 'response.function_call_arguments.done', item_id: call0.id, output_index: 0, name: 'get_weather', arguments: call0.arguments },
      { type: 'response.output_item.done', output_index: 0, item: call0 },
      { type: 'response.output_item.added', output_index: 1, item: { ...call1, status: 'in_progress', arguments: '' } },
      { type: 'response.function_call_arguments.delta', item_id: call1.id, output_index: 1, delta: '{}' },
      { type: 'response.function_call_arguments.done', item_id: call1.id, output_index: 1, name: 'get_time', arguments: '{}' },
      { type: 'response.output_item.done', output_index: 1, item: call1 },
      expect.objectContaining({ type: 'response.completed' }),
    ]);
    const completed = events.at(-1)![1].response as { output: unknown[]; status: string };
    expect(completed.output).toEqual([call0, call1]);
    expect(completed.status).toBe('completed');
  });

  it('finish_reason length ends with response.incomplete', () => {
    const events = run([
      { ...head, choices: [{ index: 0, delta: { content: 'Once' }, finish_reason: null }] },
      { ...head, choices: [{ index: 0, delta: {}, finish_reason: 'length' }] },
    ]);
    const [type, data] = events.at(-1)!;
    expect(type).toBe('response.incomplete');
    expect(data.response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output: [{ status: 'incomplete' }] });
  });

  it('an upstream error chunk becomes `error` then `response.failed`', () => {
    const events = run([
      { ...head, choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }] },
      { error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } },
    ]);
    expect(events.slice(-2).map(([type, data]) => [type, type === 'error' ? data : (data.response as object)])).toEqual([
      ['error', { type: 'error', sequence_number: events.length - 2, code: 'server_error', message: 'The server had an error while processing your request.', param: null }],
      ['response.failed', expect.objectContaining({ status: 'failed', error: { code: 'server_error', message: 'The server had an error while processing your request.' } })],
    ]);
  });

  it('a stream cut off before finish_reason fails', () => {
    const stream = new ChatToResponsesStream({ model: 'gpt-4.1', createdAt: 1 });
    const emitted = [...stream.push({ ...head, choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }] }), ...stream.end()];
    const events = responseEvents(emitted);
    expect(events.slice(-2).map(([type]) => type)).toEqual(['error', 'response.failed']);
    expect(events.at(-2)![1]).toMatchObject({ code: 'incomplete_stream' });
    expect(stream.end()).toEqual([]);
  });
});
