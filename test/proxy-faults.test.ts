// Upstream faults and bad client input through the built daemon: every failure reaches the client as a clear,
// non-empty error in its own wire format, and the daemon keeps serving the next request.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';
import { freePort, startDaemon, TEST_KEYS, type RunningDaemon } from './helpers/daemon.js';
import { startMockUpstream, type MockUpstream } from './helpers/mock-upstream.js';

const scratch = scratchDir();
const home = scratch.path;
const dir = join(home, '.tokenomics');
const SECRET = 'sk-mock-secret';

type Format = 'openai' | 'responses' | 'anthropic';
const FORMATS: readonly Format[] = ['openai', 'responses', 'anthropic'];
const PATHS: Record<Format, string> = { openai: '/v1/chat/completions', responses: '/v1/responses', anthropic: '/v1/messages' };

let mock: MockUpstream;
let daemon: RunningDaemon;
/** Every raw wrapper token handed out, and every response body seen, for the secret checks at the end. */
const rawTokens: string[] = [];
const bodies: string[] = [];
const tokens: Record<Format, string> = { openai: '', responses: '', anthropic: '' };

async function createToken(policy: object): Promise<{ token: string; hash: string }> {
  const result = await runCli(['--dir', dir, 'token', 'create', '--policy', JSON.stringify(policy), '--json'], { home, env: { ...TEST_KEYS } });
  expect(result.code, result.stderr).toBe(0);
  const created = JSON.parse(result.stdout) as { token: string; hash: string };
  rawTokens.push(created.token);
  return created;
}

const policyFor = (format: Format, extra: object = {}) =>
  format === 'anthropic'
    ? { base_key_env: 'MOCK_KEY', default_provider: 'anthropic', upstream_url: mock.url, ...extra }
    : { base_key_env: 'MOCK_KEY', ...extra };

interface Sent {
  readonly status: number;
  readonly text: string;
  readonly headers: Headers;
}

interface CallOptions {
  readonly fault?: string;
  readonly stream?: boolean;
  readonly body?: string | Buffer;
  readonly headers?: Record<string, string>;
}

/** A minimal request body of each format. */
function requestBody(format: Format, stream: boolean | undefined): string {
  const streamField = stream ? { stream: true } : {};
  if (format === 'responses') return JSON.stringify({ model: 'gpt-4o-mini', input: 'hi', ...streamField });
  return JSON.stringify({
    model: format === 'anthropic' ? 'claude-haiku-4-5' : 'gpt-4o-mini',
    ...(format === 'anthropic' ? { max_tokens: 32 } : {}),
    messages: [{ role: 'user', content: 'hi' }],
    ...streamField,
  });
}

async function call(format: Format, token: string, options: CallOptions = {}): Promise<Sent> {
  const body = options.body ?? requestBody(format, options.stream);
  const res = await fetch(`${daemon.url}${PATHS[format]}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...(options.fault ? { 'x-mock-fault': options.fault } : {}),
      ...options.headers,
    },
    body,
  });
  const text = await res.text();
  bodies.push(text);
  return { status: res.status, text, headers: res.headers };
}

interface ErrorInfo {
  readonly message: string;
  readonly type: string;
  readonly code?: string;
}

/** Parses a gateway error body and checks it has the caller's shape. */
function errorOf(format: Format, sent: Sent): ErrorInfo {
  expect(sent.text.length, 'error bodies are never empty').toBeGreaterThan(0);
  const json = JSON.parse(sent.text) as Record<string, unknown>;
  if (format === 'anthropic') {
    expect(json.type).toBe('error');
    const error = json.error as { type: string; message: string };
    expect(typeof error.type).toBe('string');
    expect(error.message.length).toBeGreaterThan(0);
    return { message: error.message, type: error.type };
  }
  const error = json.error as { message: string; type: string; code: string };
  expect(error.type).toBe('tokenomics_error');
  expect(typeof error.code).toBe('string');
  expect(error.message.length).toBeGreaterThan(0);
  return error;
}

/** The daemon still serves: a normal request with a good token succeeds. */
async function expectAlive(format: Format): Promise<void> {
  const ok = await call(format, tokens[format]);
  expect(ok.status, ok.text).toBe(200);
  expect(ok.text).toContain('Hello from the mock.');
}

beforeAll(async () => {
  mock = await startMockUpstream();
  daemon = await startDaemon({ home, dir, env: { TOKENOMICS_SERVER_UPSTREAM_URL: mock.url, MOCK_KEY: SECRET } });
  tokens.openai = (await createToken(policyFor('openai', { timeout: 2 }))).token;
  tokens.responses = (await createToken(policyFor('responses', { timeout: 2 }))).token;
  tokens.anthropic = (await createToken(policyFor('anthropic', { timeout: 2 }))).token;
});

afterAll(async () => {
  await daemon?.stop();
  await mock?.close();
  scratch.cleanup();
});

describe.each(FORMATS)('upstream faults (%s)', (format) => {
  it('connection refused: 502 naming the upstream and the cause', async () => {
    const port = await freePort();
    const { token } = await createToken({ ...policyFor(format), upstream_url: `http://127.0.0.1:${port}` });
    const sent = await call(format, token);
    expect(sent.status).toBe(502);
    const error = errorOf(format, sent);
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).toContain('connection refused');
    if (format === 'anthropic') expect(error.type).toBe('api_error');
    else expect(error.code).toBe('upstream_error');
    await expectAlive(format);
  });

  it('reset before the response headers: 502', async () => {
    const sent = await call(format, tokens[format], { fault: 'reset-before' });
    expect(sent.status).toBe(502);
    const error = errorOf(format, sent);
    expect(error.message).toContain(mock.url);
    await expectAlive(format);
  });

  it('reset mid-stream: the events already sent arrive, then an error event in the caller format', async () => {
    const sent = await call(format, tokens[format], { fault: 'reset-mid-stream', stream: true });
    expect(sent.status).toBe(200);
    expect(sent.headers.get('content-type')).toContain('text/event-stream');
    const events = sent.text.split('\n\n').filter((e) => e.trim() !== '');
    const last = events.at(-1) ?? '';
    if (format !== 'anthropic') {
      // The mock sent its first event and the first word before the reset.
      expect(events.length).toBe(3);
      if (format === 'openai') {
        expect(events[0]).toContain('"role":"assistant"');
        expect(events[1]).toContain('"content":"Hello"');
      } else {
        expect(events[0]).toContain('event: response.created');
        expect(events[1]).toContain('event: response.output_text.delta');
        expect(events[1]).toContain('"delta":"Hello"');
      }
      expect(last.startsWith('data: ')).toBe(true);
      const error = (JSON.parse(last.slice('data: '.length)) as { error: ErrorInfo }).error;
      expect(error.type).toBe('tokenomics_error');
      expect(error.code).toBe('upstream_error');
      expect(error.message).toContain(mock.url);
      expect(sent.text).not.toContain('[DONE]');
      expect(sent.text).not.toContain('response.completed');
    } else {
      expect(events.length).toBe(3);
      expect(events[0]).toContain('event: message_start');
      expect(events[1]).toContain('event: content_block_start');
      const [eventLine, dataLine] = last.split('\n');
      expect(eventLine).toBe('event: error');
      const data = JSON.parse((dataLine ?? '').slice('data: '.length)) as { type: string; error: { type: string; message: string } };
      expect(data.type).toBe('error');
      expect(data.error.type).toBe('api_error');
      expect(data.error.message).toContain(mock.url);
      expect(sent.text).not.toContain('message_stop');
    }
    await expectAlive(format);
  });

  it('an upstream that hangs: 504 after the policy timeout, saying so', async () => {
    const sent = await call(format, tokens[format], { fault: 'hang' });
    expect(sent.status).toBe(504);
    const error = errorOf(format, sent);
    expect(error.message).toContain('did not answer within 2 s');
    expect(error.message).toContain(mock.url);
    if (format === 'anthropic') expect(error.type).toBe('timeout_error');
    else expect(error.code).toBe('upstream_timeout');
    await expectAlive(format);
  });

  it('a stream that falls silent longer than the timeout ends with a timeout error event', async () => {
    const sent = await call(format, tokens[format], { stream: true, headers: { 'x-mock-chunk-delay': '3500' } });
    expect(sent.status).toBe(200);
    const events = sent.text.split('\n\n').filter((e) => e.trim() !== '');
    expect(events.length).toBe(2);
    const first = { openai: '"role":"assistant"', responses: 'event: response.created', anthropic: 'event: message_start' }[format];
    expect(events[0]).toContain(first);
    expect(events[1]).toContain(format === 'anthropic' ? 'event: error\ndata: {"type":"error"' : 'data: {"error":');
    expect(events[1]).toContain('did not answer within 2 s');
    await expectAlive(format);
  });

  it('an upstream 500 is passed through with its own body', async () => {
    const sent = await call(format, tokens[format], { fault: 'status-500' });
    expect(sent.status).toBe(500);
    expect(JSON.parse(sent.text)).toEqual({ error: { message: 'mock upstream exploded', type: 'server_error', code: null } });
    await expectAlive(format);
  });
});

describe('a provider policy timeout shorter than the global one', () => {
  it('the provider value applies to its models, the global value to the rest', async () => {
    const { token } = await createToken({
      base_key_env: 'MOCK_KEY',
      timeout: 3,
      providers: { openai: [{ base_key_env: 'MOCK_KEY', upstream_url: mock.url, model: 'gpt-4o-mini', timeout: 1 }] },
    });
    const hang = { 'x-mock-fault': 'hang' };
    const provider = await call('openai', token, { headers: hang });
    expect(provider.status).toBe(504);
    const providerError = errorOf('openai', provider);
    expect(providerError.code).toBe('upstream_timeout');
    expect(providerError.message).toBe(`upstream ${mock.url} did not answer within 1 s`);

    const other = await call('openai', token, { headers: hang, body: JSON.stringify({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'hi' }] }) });
    expect(other.status).toBe(504);
    expect(errorOf('openai', other).message).toBe(`upstream ${mock.url} did not answer within 3 s`);

    const messages = await createToken({
      base_key_env: 'MOCK_KEY',
      default_provider: 'anthropic',
      upstream_url: mock.url,
      timeout: 3,
      providers: { anthropic: [{ base_key_env: 'MOCK_KEY', upstream_url: mock.url, model_regex: '^claude-haiku', timeout: 1 }] },
    });
    const anthropic = await call('anthropic', messages.token, { headers: hang });
    expect(anthropic.status).toBe(504);
    const anthropicError = errorOf('anthropic', anthropic);
    expect(anthropicError.type).toBe('timeout_error');
    expect(anthropicError.message).toBe(`upstream ${mock.url} did not answer within 1 s`);
  });
});

describe.each(FORMATS)('an upstream 200 whose body is not JSON (%s)', (format) => {
  it('is refused with a 502 in the caller format, never passed on, and counted as an error', async () => {
    const { token, hash } = await createToken(policyFor(format));
    const sent = await call(format, token, { fault: 'invalid-json' });
    expect(sent.status).toBe(502);
    const error = errorOf(format, sent);
    expect(error.message).toContain('with a body that is not a JSON object');
    expect(sent.text).not.toContain('this is not json');
    const stats = (await (await fetch(`${daemon.url}/stats`)).json()) as {
      by_token: Array<{ token_hash: string; request_count: number; error_count: number }>;
    };
    const row = stats.by_token.find((r) => hash.startsWith(r.token_hash));
    expect(row).toMatchObject({ request_count: 1, error_count: 1 });
    await expectAlive(format);
  });
});

describe.each(FORMATS)('bad client input (%s)', (format) => {
  it('a body that is not JSON: 400 invalid JSON', async () => {
    const sent = await call(format, tokens[format], { body: '{"model": "gpt-4o-mini", oops' });
    expect(sent.status).toBe(400);
    const error = errorOf(format, sent);
    expect(error.message).toContain('invalid JSON');
    if (format === 'anthropic') expect(error.type).toBe('invalid_request_error');
    else expect(error.code).toBe('bad_request');
    await expectAlive(format);
  });

  it('an empty body: 400', async () => {
    const sent = await call(format, tokens[format], { body: '' });
    expect(sent.status).toBe(400);
    errorOf(format, sent);
  });

  it('a JSON body without a model: 400 naming the field', async () => {
    const sent = await call(format, tokens[format], { body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }) });
    expect(sent.status).toBe(400);
    expect(errorOf(format, sent).message).toContain('model');
    await expectAlive(format);
  });

  it('a body over 32 MB: 413', async () => {
    const big = Buffer.alloc(33 * 1024 * 1024, 0x20);
    const sent = await call(format, tokens[format], { body: big });
    expect(sent.status).toBe(413);
    const error = errorOf(format, sent);
    expect(error.message).toContain('32 MB');
    await expectAlive(format);
  });

  it('a chunked body (no content-length) over 32 MB: 413', async () => {
    const chunk = new Uint8Array(1024 * 1024).fill(0x20);
    let sentChunks = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sentChunks++ < 33) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await fetch(`${daemon.url}${PATHS[format]}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens[format]}`, 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit & { duplex: 'half' });
    const sent: Sent = { status: res.status, text: await res.text(), headers: res.headers };
    bodies.push(sent.text);
    expect(sent.status).toBe(413);
    expect(errorOf(format, sent).message).toContain('32 MB');
    await expectAlive(format);
  });

  it('a missing token: 401 in the caller format', async () => {
    const sent = await call(format, '');
    expect(sent.status).toBe(401);
    errorOf(format, sent);
  });

  it('an unknown token: 401 in the caller format', async () => {
    const bogus = 'tkn_00000000-0000-4000-8000-000000000000';
    rawTokens.push(bogus);
    const sent = await call(format, bogus);
    expect(sent.status).toBe(401);
    if (format === 'anthropic') expect(errorOf(format, sent).type).toBe('authentication_error');
    else expect(errorOf(format, sent).code).toBe('invalid_token');
  });
});

describe.each(FORMATS)('a provider key variable the daemon does not have (%s)', (format) => {
  it('500 naming the variable and what to do', async () => {
    const { token } = await createToken({ ...policyFor(format), base_key_env: 'NOT_SET_KEY' });
    const sent = await call(format, token);
    expect(sent.status).toBe(500);
    const error = errorOf(format, sent);
    expect(error.message).toContain('NOT_SET_KEY');
    expect(error.message).toMatch(/set it/);
    expect(error.message).toMatch(/base_key_env/);
    await expectAlive(format);
  });
});

describe('secrets', () => {
  it('no response ever carries the provider key', () => {
    expect(bodies.length).toBeGreaterThan(20);
    for (const body of bodies) expect(body).not.toContain(SECRET);
  });

  it('the daemon output and proxy.log never contain raw tokens or the provider key', async () => {
    // Give the asynchronous log streams a moment to reach their destinations.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const proxyLog = readFileSync(join(dir, 'proxy.log'), 'utf8');
    // The upstream failures above are in the proxy log (so it is the right file, and not empty).
    expect(proxyLog).toContain('upstream request failed');
    expect(proxyLog).toContain('did not answer within 2 s');
    const output = daemon.output();
    expect(output).toContain('tokenomics proxy started');
    expect(rawTokens.length).toBeGreaterThan(5);
    for (const text of [output, proxyLog]) {
      expect(text).not.toContain(SECRET);
      for (const token of rawTokens) expect(text).not.toContain(token);
      expect(text).not.toMatch(/tkn_[0-9a-f]{8}-/);
    }
  });
});
