// The proxy daemon end to end, as a user's code sees it: the official OpenAI and Anthropic SDKs talk to the built
// `tokenomics serve` with wrapper tokens, and the daemon talks to a local mock provider with the real key.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';
import { startDaemon, TEST_KEYS, type RunningDaemon } from './helpers/daemon.js';
import { MOCK_USAGE, startMockUpstream, type MockUpstream, type ReceivedRequest } from './helpers/mock-upstream.js';

const scratch = scratchDir();
const home = scratch.path;
const dir = join(home, '.tokenomics');
const SECRET = 'sk-mock-secret';
const TEXT = 'Hello from the mock.';
const MODEL = 'gpt-4o-mini';
const CLAUDE = 'claude-haiku-4-5';
const HI = [{ role: 'user' as const, content: 'hi' }];

let mock: MockUpstream;
let daemon: RunningDaemon;

beforeAll(async () => {
  mock = await startMockUpstream();
  daemon = await startDaemon({ home, dir, env: { TOKENOMICS_SERVER_UPSTREAM_URL: mock.url, MOCK_KEY: SECRET } });
});

afterAll(async () => {
  await daemon?.stop();
  await mock?.close();
  scratch.cleanup();
});

// ---- helpers -------------------------------------------------------------------------------------------------

interface Created {
  token: string;
  hash: string;
  expires_at: string | null;
}

async function createToken(policy: object, expires?: string): Promise<Created> {
  const args = ['--dir', dir, 'token', 'create', '--policy', JSON.stringify(policy), '--json', ...(expires ? ['--expires', expires] : [])];
  const result = await runCli(args, { home, env: { ...TEST_KEYS } });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Created;
}

const openAiToken = () => createToken({ base_key_env: 'MOCK_KEY' });
const anthropicToken = () => createToken({ base_key_env: 'MOCK_KEY', default_provider: 'anthropic', upstream_url: mock.url });

function openai(apiKey: string, options: ConstructorParameters<typeof OpenAI>[0] = {}): OpenAI {
  return new OpenAI({ apiKey, baseURL: `${daemon.url}/v1`, maxRetries: 0, ...options });
}

function anthropic(apiKey: string, options: ConstructorParameters<typeof Anthropic>[0] = {}): Anthropic {
  return new Anthropic({ apiKey, baseURL: daemon.url, maxRetries: 0, ...options });
}

interface Counts {
  request_count: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  error_count: number;
}
interface ModelRow extends Counts {
  model: string;
  base_key_env: string;
}
interface TokenRow extends Counts {
  token_hash: string;
  last_model: string;
  base_key_env: string;
  first_seen: string;
  last_seen: string;
}
interface StatsDoc {
  totals: Counts;
  by_model_and_key: ModelRow[];
  by_token: TokenRow[];
}

async function stats(): Promise<StatsDoc> {
  const response = await fetch(`${daemon.url}/stats`);
  expect(response.status).toBe(200);
  return (await response.json()) as StatsDoc;
}

/** The /stats row of one token once it shows `requests` requests (accounting follows the last byte closely). */
async function tokenRow(hash: string, requests: number): Promise<TokenRow | undefined> {
  const deadline = Date.now() + 2_000;
  for (;;) {
    const row = (await stats()).by_token.find((r) => r.token_hash === hash.slice(0, 16));
    if ((row && row.request_count >= requests) || Date.now() > deadline) return row;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Usage figures a /stats row should show after `n` requests that each reported the mock's usage. */
function usageTimes(n: number, input: number = MOCK_USAGE.prompt_tokens, output: number = MOCK_USAGE.completion_tokens) {
  return { request_count: n, input_tokens: n * input, output_tokens: n * output, total_tokens: n * (input + output), error_count: 0 };
}

/** What the mock received from request index `from` on; asserts exactly `count` arrived. */
function received(from: number, count = 1): ReceivedRequest[] {
  const got = mock.requests.slice(from);
  expect(got.map((r) => `${r.method} ${r.url}`)).toHaveLength(count);
  return got;
}

function expectKeySwapped(request: ReceivedRequest, token: string, header: 'authorization' | 'x-api-key'): void {
  expect(request.headers[header]).toBe(header === 'authorization' ? `Bearer ${SECRET}` : SECRET);
  expect(JSON.stringify(request.headers)).not.toContain(token);
  expect(request.headers['accept-encoding']).toBe('identity');
}

async function failure<T>(promise: Promise<T>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (err: unknown) => err,
  );
}

// ---- tests ---------------------------------------------------------------------------------------------------

describe('OpenAI chat completions through the proxy', () => {
  it('non-stream: the mock answer and usage, the real key upstream, the gateway headers back', async () => {
    const { token } = await openAiToken();
    const from = mock.requests.length;
    const { data, response } = await openai(token)
      .chat.completions.create({ model: MODEL, messages: HI }, { headers: { 'accept-encoding': 'gzip, br' } })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe(TEXT);
    expect(data.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
    const [upstream] = received(from);
    expect(upstream!.url).toBe('/v1/chat/completions');
    expectKeySwapped(upstream!, token, 'authorization');
    const requestId = response.headers.get('x-tokenomics-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(upstream!.headers['x-client-request-id']).toBe(requestId);
    expect(response.headers.get('x-tokenomics-overhead-ms')).toMatch(/^\d+(\.\d+)?$/);
    expect(response.headers.get('x-request-id')).toBe('req_mock_1'); // the provider's own headers come back
  });

  it('stream: chunks in order, relayed live, the added usage chunk hidden but counted', async () => {
    const { token, hash } = await openAiToken();
    const from = mock.requests.length;
    const stream = await openai(token).chat.completions.create(
      { model: MODEL, messages: HI, stream: true },
      { headers: { 'x-mock-chunk-delay': '100' } },
    );
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    let firstContentAt: number | undefined;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content && firstContentAt === undefined) firstContentAt = Date.now();
      chunks.push(chunk);
    }
    const deltas = chunks.map((c) => c.choices[0]?.delta.content);
    expect(deltas).toEqual(['', 'Hello', ' from', ' the', ' mock', '.', undefined]);
    expect(deltas.join('')).toBe(TEXT);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    // The client did not ask for usage, so it must not see the usage-only chunk the gateway asked for.
    expect(chunks.filter((c) => c.choices.length === 0 || c.usage)).toEqual([]);
    const [upstream] = received(from);
    expect(upstream!.json?.stream_options).toEqual({ include_usage: true });
    expectKeySwapped(upstream!, token, 'authorization');
    // Streamed, not buffered: the first word reached the client before the mock wrote its last event.
    const lastSent = mock.sentAt[from]!.at(-1)!;
    expect(firstContentAt).toBeDefined();
    expect(firstContentAt!).toBeLessThan(lastSent);
    expect(await tokenRow(hash, 1)).toMatchObject({ ...usageTimes(1), last_model: MODEL, base_key_env: 'MOCK_KEY' });
  });

  it('stream with stream_options.include_usage: the client gets the usage chunk it asked for', async () => {
    const { token, hash } = await openAiToken();
    const from = mock.requests.length;
    const stream = await openai(token).chat.completions.create({
      model: MODEL,
      messages: HI,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(TEXT);
    const usageChunks = chunks.filter((c) => c.choices.length === 0);
    expect(usageChunks).toHaveLength(1);
    expect(chunks.at(-1)).toBe(usageChunks[0]);
    expect(usageChunks[0]!.usage).toEqual({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
    expect(received(from)[0]!.json?.stream_options).toEqual({ include_usage: true });
    expect(await tokenRow(hash, 1)).toMatchObject(usageTimes(1));
  });
});

describe('OpenAI Responses through the proxy', () => {
  it('non-stream and stream work and both are counted', async () => {
    const { token, hash } = await openAiToken();
    const client = openai(token);
    const from = mock.requests.length;
    const response = await client.responses.create({ model: MODEL, input: 'hi' });
    expect(response.output_text).toBe(TEXT);
    expect(response.usage).toMatchObject({ input_tokens: 11, output_tokens: 7 });

    const stream = await client.responses.create({ model: MODEL, input: 'hi', stream: true });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      ...Array<string>(5).fill('response.output_text.delta'),
      'response.completed',
    ]);
    const text = events.map((e) => (e.type === 'response.output_text.delta' ? e.delta : '')).join('');
    expect(text).toBe(TEXT);
    const completed = events.at(-1);
    expect(completed?.type === 'response.completed' && completed.response.usage?.output_tokens).toBe(7);

    const upstream = received(from, 2);
    for (const request of upstream) {
      expect(request.url).toBe('/v1/responses');
      expectKeySwapped(request, token, 'authorization');
    }
    expect(upstream[1]!.json?.stream_options).toBeUndefined(); // only chat streams get usage added
    expect(await tokenRow(hash, 2)).toMatchObject({ ...usageTimes(2), last_model: MODEL });
  });
});

/** Streamed, not buffered: the first text delta reached the client before the mock wrote its last event. */
function expectRelayedLive(requestIndex: number, firstDeltaAt: number | undefined): void {
  const lastSent = mock.sentAt[requestIndex]!.at(-1)!;
  expect(firstDeltaAt).toBeDefined();
  expect(firstDeltaAt!).toBeLessThan(lastSent);
}

describe('streams are relayed live in every format', () => {
  it('responses: the first delta arrives before the mock sends its last event', async () => {
    const { token } = await openAiToken();
    const from = mock.requests.length;
    const stream = await openai(token).responses.create(
      { model: MODEL, input: 'hi', stream: true },
      { headers: { 'x-mock-chunk-delay': '100' } },
    );
    let firstDeltaAt: number | undefined;
    let text = '';
    for await (const event of stream) {
      if (event.type !== 'response.output_text.delta') continue;
      firstDeltaAt ??= Date.now();
      text += event.delta;
    }
    expect(text).toBe(TEXT);
    received(from);
    expectRelayedLive(from, firstDeltaAt);
  });

  it('messages: the first delta arrives before the mock sends its last event', async () => {
    const { token } = await anthropicToken();
    const from = mock.requests.length;
    const stream = await anthropic(token).messages.create(
      { model: CLAUDE, max_tokens: 64, messages: HI, stream: true },
      { headers: { 'x-mock-chunk-delay': '100' } },
    );
    let firstDeltaAt: number | undefined;
    let text = '';
    for await (const event of stream) {
      if (event.type !== 'content_block_delta' || event.delta.type !== 'text_delta') continue;
      firstDeltaAt ??= Date.now();
      text += event.delta.text;
    }
    expect(text).toBe(TEXT);
    received(from);
    expectRelayedLive(from, firstDeltaAt);
  });
});

describe('Anthropic messages through the proxy', () => {
  it('create and stream work; x-api-key and anthropic-version go upstream; cache tokens count as input', async () => {
    const { token, hash } = await anthropicToken();
    const client = anthropic(token);
    const from = mock.requests.length;
    const message = await client.messages.create({ model: CLAUDE, max_tokens: 64, messages: HI });
    expect(message.content).toEqual([{ type: 'text', text: TEXT }]);
    expect(message.usage).toMatchObject({ input_tokens: 5, cache_read_input_tokens: 4, cache_creation_input_tokens: 2, output_tokens: 7 });

    const stream = client.messages.stream({ model: CLAUDE, max_tokens: 64, messages: HI });
    const deltas: string[] = [];
    stream.on('text', (delta) => deltas.push(delta));
    const final = await stream.finalMessage();
    expect(deltas).toEqual(['Hello', ' from', ' the', ' mock', '.']);
    expect(final.content).toEqual([expect.objectContaining({ type: 'text', text: TEXT })]);
    expect(final.usage.output_tokens).toBe(7);

    // A bare client: raw Authorization token, no anthropic-version; the provider's version header is added.
    const raw = await fetch(`${daemon.url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: token, 'content-type': 'application/json' },
      body: JSON.stringify({ model: CLAUDE, max_tokens: 64, messages: HI }),
    });
    expect(raw.status).toBe(200);
    expect(((await raw.json()) as { content: unknown }).content).toEqual([{ type: 'text', text: TEXT }]);

    for (const request of received(from, 3)) {
      expect(request.url).toBe('/v1/messages');
      expectKeySwapped(request, token, 'x-api-key');
      expect(request.headers['anthropic-version']).toBe('2023-06-01');
      expect(request.headers.authorization).toBeUndefined();
    }
    expect(await tokenRow(hash, 3)).toMatchObject({ ...usageTimes(3, 5 + 4 + 2, 7), last_model: CLAUDE, base_key_env: 'MOCK_KEY' });
  });
});

describe('daemon endpoints', () => {
  it('/stats has the documented shape and adds up', async () => {
    const { token, hash } = await openAiToken();
    await openai(token).chat.completions.create({ model: MODEL, messages: HI });
    await openai(token).chat.completions.create({ model: MODEL, messages: HI });
    const row = await tokenRow(hash, 2);
    // gpt-4o-mini at 0.15/0.075/0.60 $ per million input/cached/output tokens; the mock reports 11 (3 cached) + 7.
    const callUsd = ((11 - 3) * 0.15 + 3 * 0.075 + 7 * 0.6) / 1e6;
    expect(row).toEqual({
      token_hash: hash.slice(0, 16),
      ...usageTimes(2),
      cost_usd: expect.closeTo(2 * callUsd, 12),
      last_model: MODEL,
      base_key_env: 'MOCK_KEY',
      first_seen: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      last_seen: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
    });
    expect(Date.parse(row!.first_seen)).toBeLessThanOrEqual(Date.parse(row!.last_seen));

    const doc = await stats();
    expect(Object.keys(doc).sort()).toEqual(['by_model_and_key', 'by_token', 'totals']);
    expect(Object.keys(doc.totals).sort()).toEqual(['cost_usd', 'error_count', 'input_tokens', 'output_tokens', 'request_count', 'total_tokens']);
    expect(doc.totals.total_tokens).toBe(doc.totals.input_tokens + doc.totals.output_tokens);
    expect(doc.by_model_and_key).toContainEqual(expect.objectContaining({ model: MODEL, base_key_env: 'MOCK_KEY' }));
    expect(doc.by_model_and_key).toContainEqual(expect.objectContaining({ model: CLAUDE, base_key_env: 'MOCK_KEY' }));
    for (const list of [doc.by_model_and_key, doc.by_token] as Counts[][]) {
      for (const field of ['request_count', 'input_tokens', 'output_tokens', 'error_count'] as const) {
        expect(list.reduce((sum, r) => sum + r[field], 0), field).toBe(doc.totals[field]);
      }
      const totals = list.map((r) => r.total_tokens);
      expect(totals).toEqual([...totals].sort((a, b) => b - a));
    }
    for (const entry of doc.by_token) expect(entry.token_hash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('/health and /ping', async () => {
    const health = await fetch(`${daemon.url}/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get('content-type')).toContain('application/json');
    expect(await health.json()).toEqual({ status: 'ok' });
    const ping = await fetch(`${daemon.url}/ping`);
    expect(ping.status).toBe(200);
    expect(ping.headers.get('content-type')).toContain('text/plain');
    expect(await ping.text()).toBe('.');
  });
});

describe('401s in each caller format', () => {
  async function expectOpenAi401(client: OpenAI, code: string, message: RegExp): Promise<void> {
    const err = await failure(client.chat.completions.create({ model: MODEL, messages: HI }));
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    const apiError = err as InstanceType<typeof OpenAI.AuthenticationError>;
    expect(apiError.status).toBe(401);
    expect(apiError.error).toEqual({ message: expect.stringMatching(message), type: 'tokenomics_error', code });
  }

  /** The same client on the Responses endpoint: the error in the OpenAI shape, raised by the SDK. */
  async function expectResponses401(client: OpenAI, code: string, message: RegExp): Promise<void> {
    const err = await failure(client.responses.create({ model: MODEL, input: 'hi' }));
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    const apiError = err as InstanceType<typeof OpenAI.AuthenticationError>;
    expect(apiError.status).toBe(401);
    expect(apiError.error).toEqual({ message: expect.stringMatching(message), type: 'tokenomics_error', code });
  }

  async function expectAnthropic401(client: Anthropic, message: RegExp): Promise<void> {
    const err = await failure(client.messages.create({ model: CLAUDE, max_tokens: 64, messages: HI }));
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    const apiError = err as InstanceType<typeof Anthropic.AuthenticationError>;
    expect(apiError.status).toBe(401);
    expect(apiError.error).toEqual({ type: 'error', error: { type: 'authentication_error', message: expect.stringMatching(message) } });
  }

  it('missing token', async () => {
    const from = mock.requests.length;
    await expectOpenAi401(openai('unused', { defaultHeaders: { authorization: null } }), 'missing_token', /missing.*token/i);
    await expectResponses401(openai('unused', { defaultHeaders: { authorization: null } }), 'missing_token', /missing.*token/i);
    await expectAnthropic401(anthropic('unused', { defaultHeaders: { 'x-api-key': null, authorization: null } }), /missing.*token/i);
    received(from, 0);
  });

  it('unknown token', async () => {
    const from = mock.requests.length;
    const unknown = 'tkn_00000000-0000-4000-8000-000000000000';
    await expectOpenAi401(openai(unknown), 'invalid_token', /invalid token/i);
    await expectResponses401(openai(unknown), 'invalid_token', /invalid token/i);
    await expectAnthropic401(anthropic(unknown), /invalid token/i);
    received(from, 0);
  });

  it('expired token: works until its time, then 401 naming the expiry', async () => {
    const openAiCreated = await createToken({ base_key_env: 'MOCK_KEY' }, '3s');
    const anthropicCreated = await createToken({ base_key_env: 'MOCK_KEY', default_provider: 'anthropic', upstream_url: mock.url }, '3s');
    const chat = openai(openAiCreated.token);
    const messages = anthropic(anthropicCreated.token);
    // Used (and cached by the daemon) while still valid.
    expect((await chat.chat.completions.create({ model: MODEL, messages: HI })).choices[0]?.message.content).toBe(TEXT);
    expect((await messages.messages.create({ model: CLAUDE, max_tokens: 64, messages: HI })).content).toHaveLength(1);
    expect((await chat.responses.create({ model: MODEL, input: 'hi' })).output_text).toBe(TEXT);
    const expiresAt = Math.max(Date.parse(openAiCreated.expires_at!), Date.parse(anthropicCreated.expires_at!));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now()) + 300));
    const from = mock.requests.length;
    await expectOpenAi401(chat, 'expired_token', /token.*expired|expired.*token/i);
    await expectResponses401(chat, 'expired_token', /token.*expired|expired.*token/i);
    await expectAnthropic401(messages, /token.*expired|expired.*token/i);
    received(from, 0);
    expect(await tokenRow(openAiCreated.hash, 4)).toMatchObject({ request_count: 4, error_count: 2 });
  });
});

describe('tokens and passthrough', () => {
  it('a token created with the CLI while the daemon runs works on the very next request', async () => {
    const { token } = await openAiToken();
    const completion = await openai(token).chat.completions.create({ model: MODEL, messages: HI });
    expect(completion.choices[0]?.message.content).toBe(TEXT);
  });

  it('GET /v1/models and POST /v1/embeddings pass through with the key swapped and are counted', async () => {
    const { token, hash } = await openAiToken();
    const client = openai(token);
    const from = mock.requests.length;
    const models: string[] = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toEqual(['gpt-4o-mini']);

    const embedding = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hi', encoding_format: 'float' });
    expect(embedding.data[0]?.embedding).toEqual([0.1, 0.2]);
    expect(embedding.usage).toEqual({ prompt_tokens: 4, total_tokens: 4 });

    const [list, embed] = received(from, 2);
    expect(`${list!.method} ${list!.url}`).toBe('GET /v1/models');
    expect(`${embed!.method} ${embed!.url}`).toBe('POST /v1/embeddings');
    expect(embed!.json).toMatchObject({ model: 'text-embedding-3-small', input: 'hi' });
    for (const request of [list!, embed!]) expectKeySwapped(request, token, 'authorization');
    expect(await tokenRow(hash, 2)).toMatchObject({ request_count: 2, input_tokens: 4, output_tokens: 0, total_tokens: 4, error_count: 0 });
  });
});
