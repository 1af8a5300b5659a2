// One wrapper token, any client, any model: an OpenAI-SDK client asking for a Claude model is served by the Anthropic
// provider, and an Anthropic-SDK client asking for a GPT model by the OpenAI one, streams included; budgets, rules and
// the ledger see the same usage either way.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestEntry } from '../src/core/ledger/types.js';
import { runCli, scratchDir } from './helpers/cli.js';
import { startDaemon, TEST_KEYS, type RunningDaemon } from './helpers/daemon.js';
import { startMockUpstream, type MockUpstream } from './helpers/mock-upstream.js';

const scratch = scratchDir();
const home = scratch.path;
const dir = join(home, '.tokenomics');
let mock: MockUpstream;
let daemon: RunningDaemon;
let token: string;

beforeAll(async () => {
  mock = await startMockUpstream();
  const policy = {
    base_key_env: 'MOCK_KEY',
    budgets: [{ tokens: 100_000, window: '1d' }],
    rules: [{ type: 'pii', detect: ['email'], action: 'mask' }],
    providers: {
      anthropic: [{ model_regex: '^claude', upstream_url: mock.url, base_key_env: 'MOCK_KEY' }],
      openai: [{ model_regex: '^gpt', upstream_url: mock.url, base_key_env: 'MOCK_KEY' }],
      // A chat-completions-only provider: Responses requests to it are translated.
      groq: [{ model_regex: '^llama', upstream_url: mock.url, base_key_env: 'MOCK_KEY' }],
    },
  };
  const created = await runCli(['--dir', dir, 'token', 'create', '--json', '--policy', JSON.stringify(policy)], { home, env: { ...TEST_KEYS } });
  expect(created.code, created.stderr).toBe(0);
  token = (JSON.parse(created.stdout) as { token: string }).token;
  daemon = await startDaemon({ home, dir, env: { MOCK_KEY: 'sk-mock-secret' } });
});

afterAll(async () => {
  await daemon?.stop();
  await mock?.close();
  scratch.cleanup();
});

const openai = () => new OpenAI({ apiKey: token, baseURL: `${daemon.url}/v1`, maxRetries: 0 });
const anthropic = () => new Anthropic({ apiKey: token, baseURL: daemon.url, maxRetries: 0 });

function journal(): RequestEntry[] {
  const sessions = join(dir, 'sessions');
  const name = readdirSync(sessions).find((n) => n.endsWith('.jsonl'))!;
  return readFileSync(join(sessions, name), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RequestEntry & { kind: string }).filter((l) => l.kind === 'request');
}

describe('an OpenAI chat client asking for a Claude model', () => {
  it('is answered by the Anthropic provider, translated both ways, with usage and masking', async () => {
    const before = mock.requests.length;
    const answer = await openai().chat.completions.create({
      model: 'claude-haiku-4-5',
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'write to ann@example.com' }],
      max_tokens: 50,
    });
    expect(answer.choices[0]!.message.content).toBe('Hello from the mock.');
    expect(answer.choices[0]!.finish_reason).toBe('stop');
    expect(answer.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 7 });
    const sent = mock.requests[before]!;
    expect(sent.url).toBe('/v1/messages');
    expect(sent.headers['x-api-key']).toBe('sk-mock-secret');
    expect(sent.json).toMatchObject({ model: 'claude-haiku-4-5', system: 'Be brief.', max_tokens: 50 });
    expect(JSON.stringify(sent.json)).toContain('[REDACTED]');
    expect(JSON.stringify(sent.json)).not.toContain('ann@example.com');
  });

  it('streams: text deltas in the OpenAI shape, and usage when asked', async () => {
    const stream = await openai().chat.completions.create({
      model: 'claude-haiku-4-5',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('Hello from the mock.');
    expect(usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 7 });
  });

  it('a feature Anthropic lacks is refused with a 400 naming it', async () => {
    const err = await openai().chat.completions.create({ model: 'claude-haiku-4-5', n: 2, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toMatch(/not supported when an OpenAI chat request is served by an Anthropic model/);
  });

  it('a provider error reaches the client in its own shape and status', async () => {
    const err = await openai().chat.completions.create({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-mock-fault': 'status-500' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as Error).message).toContain('mock upstream exploded');
  });
});

describe('an Anthropic messages client asking for a GPT model', () => {
  it('is answered by the OpenAI provider, non-stream and stream', async () => {
    const before = mock.requests.length;
    const message = await anthropic().messages.create({ model: 'gpt-4o-mini', max_tokens: 64, system: 'Be brief.', messages: [{ role: 'user', content: 'hi' }] });
    expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: 'Hello from the mock.' })]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.output_tokens).toBe(7);
    const sent = mock.requests[before]!;
    expect(sent.url).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe('Bearer sk-mock-secret');
    expect(sent.json).toMatchObject({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user' }] });

    const stream = anthropic().messages.stream({ model: 'gpt-4o-mini', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    stream.on('text', (delta) => (text += delta));
    const final = await stream.finalMessage();
    expect(text).toBe('Hello from the mock.');
    expect(final.usage.output_tokens).toBe(7);
  });
});

describe('tool calls streamed across formats', () => {
  const weather = { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] } };

  it('the OpenAI SDK streams a tool call from the Anthropic provider: name, arguments, text and usage', async () => {
    const before = mock.requests.length;
    const stream = openai().chat.completions.stream(
      {
        model: 'claude-haiku-4-5',
        messages: [{ role: 'user', content: 'Weather in Paris for 3 days?' }],
        tools: [{ type: 'function', function: weather }],
        tool_choice: 'auto',
        stream_options: { include_usage: true },
      },
      { headers: { 'x-mock-tool-call': 'get_weather' } },
    );
    const completion = await stream.finalChatCompletion();
    const message = completion.choices[0]!.message;
    expect(message.content).toBe('Checking.');
    expect(message.tool_calls).toEqual([expect.objectContaining({ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","days":3}' } })]);
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
    expect(completion.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 7 });
    // The provider got the tool in its own shape.
    expect(mock.requests[before]!.json).toMatchObject({ tools: [{ name: 'get_weather', input_schema: weather.parameters }], tool_choice: { type: 'auto' } });
  });

  it('the Anthropic SDK streams a tool call from the OpenAI provider: name, input, text and usage', async () => {
    const before = mock.requests.length;
    const stream = anthropic().messages.stream(
      {
        model: 'gpt-4o-mini',
        max_tokens: 128,
        messages: [{ role: 'user', content: 'Weather in Paris for 3 days?' }],
        tools: [{ name: 'get_weather', description: weather.description, input_schema: weather.parameters as Anthropic.Tool.InputSchema }],
      },
      { headers: { 'x-mock-tool-call': 'get_weather' } },
    );
    let json = '';
    stream.on('inputJson', (partial) => (json += partial));
    const message = await stream.finalMessage();
    expect(message.content).toEqual([
      expect.objectContaining({ type: 'text', text: 'Checking.' }),
      expect.objectContaining({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris', days: 3 } }),
    ]);
    expect(json).toBe('{"city":"Paris","days":3}');
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage.output_tokens).toBe(7);
    expect(mock.requests[before]!.json).toMatchObject({ tools: [{ type: 'function', function: { name: 'get_weather', parameters: weather.parameters } }], stream_options: { include_usage: true } });
  });
});

describe('an OpenAI Responses client', () => {
  it('asking for a Claude model is answered by the Anthropic provider, non-stream and stream', async () => {
    const before = mock.requests.length;
    const response = await openai().responses.create({ model: 'claude-haiku-4-5', instructions: 'Be brief.', input: 'hi', max_output_tokens: 64 });
    expect(response.output_text).toBe('Hello from the mock.');
    expect(response.usage).toMatchObject({ input_tokens: 11, output_tokens: 7 });
    const sent = mock.requests[before]!;
    expect(sent.url).toBe('/v1/messages');
    expect(sent.json).toMatchObject({ model: 'claude-haiku-4-5', system: 'Be brief.', max_tokens: 64 });

    const stream = openai().responses.stream({ model: 'claude-haiku-4-5', input: 'hi' });
    let text = '';
    stream.on('response.output_text.delta', (event) => (text += event.delta));
    const final = await stream.finalResponse();
    expect(text).toBe('Hello from the mock.');
    expect(final.output_text).toBe('Hello from the mock.');
  });

  it('on a chat-completions-only provider is served through chat completions', async () => {
    const before = mock.requests.length;
    const response = await openai().responses.create({ model: 'llama-3.3-70b-versatile', input: 'hi' });
    expect(response.output_text).toBe('Hello from the mock.');
    expect(mock.requests[before]!.url).toBe('/v1/chat/completions');
    // OpenAI itself serves the Responses API: no translation.
    await openai().responses.create({ model: 'gpt-4o-mini', input: 'hi' });
    expect(mock.requests.at(-1)!.url).toBe('/v1/responses');
  });
});

describe('accounting', () => {
  it('the ledger and the budget count translated requests like native ones', async () => {
    const entries = journal().filter((e) => e.status_code === 200);
    const claude = entries.filter((e) => e.model === 'claude-haiku-4-5');
    const gpt = entries.filter((e) => e.model === 'gpt-4o-mini');
    expect(claude.length).toBeGreaterThanOrEqual(2);
    expect(gpt.length).toBeGreaterThanOrEqual(2);
    for (const entry of claude) expect(entry).toMatchObject({ provider: 'anthropic', input_tokens: 11, output_tokens: 7 });
    for (const entry of gpt.filter((e) => e.path === '/v1/messages')) expect(entry).toMatchObject({ provider: 'openai', input_tokens: 11, output_tokens: 7 });
    const report = (await (await fetch(`${daemon.url}/v1/tokenomics/key`, { headers: { authorization: `Bearer ${token}` } })).json()) as { limits: Array<{ used: number }> };
    expect(report.limits[0]!.used).toBe(entries.reduce((n, e) => n + e.input_tokens + e.output_tokens, 0));
  });
});
