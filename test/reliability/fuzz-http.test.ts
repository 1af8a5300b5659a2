// Property-based fuzzing (fast-check, fixed seeds, bounded runs) of every HTTP surface of a real daemon: request
// bodies and headers on the proxy, policy JSON through the control API and the admin API, payloads on the inbound
// webhook. Each answer
// is a status the surface documents with a non-empty JSON body; a 5xx always says what went wrong; every request
// is answered within its bound; and the daemon is still serving at the end.
import fc from 'fast-check';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDir } from '../helpers/cli.js';
import { startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { controlState, createToken } from './support.js';

const scratch = scratchDir();
const home = scratch.path;
const dir = join(home, '.tokenomics');
const WEBHOOK_SECRET = 'fuzz-webhook-shared-secret';
const SIGNING_KEY = 'fuzz-webhook-signing-key';
const RUNS = { seed: 1204, numRuns: 250, interruptAfterTimeLimit: 25_000 } as const;

let mock: MockUpstream;
let daemon: RunningDaemon;
let token: string;

beforeAll(async () => {
  mock = await startMockUpstream();
  daemon = await startDaemon({
    home,
    dir,
    env: {
      TOKENOMICS_SERVER_UPSTREAM_URL: mock.url,
      MOCK_KEY: 'sk-fuzz-provider-key',
      TOKENOMICS_REMOTE_WEBHOOK_ENABLED: 'true',
      TOKENOMICS_REMOTE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      TOKENOMICS_REMOTE_WEBHOOK_SIGNING_KEY: SIGNING_KEY,
    },
  });
  token = (await createToken(dir, { base_key_env: 'MOCK_KEY', timeout: 5, rules: [{ type: 'pii', detect: ['email'], action: 'mask' }], budgets: [{ tokens: 100_000_000, window: '1d' }] })).token;
});

afterAll(async () => {
  await daemon?.stop();
  await mock?.close();
  scratch.cleanup();
});

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly contentType: string;
}

async function send(url: string, init: RequestInit): Promise<Answer> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type') ?? '' };
}

/** An error answer: JSON, non-empty, with a message; a 5xx never without one. */
function expectClearError(answer: Answer): void {
  expect(answer.text.length, 'never an empty body').toBeGreaterThan(0);
  const json = JSON.parse(answer.text) as { error?: unknown; type?: string };
  const error = json.error as string | { message?: string } | undefined;
  const message = typeof error === 'string' ? error : error?.message;
  expect(typeof message === 'string' && message.length > 0, answer.text).toBe(true);
  expect(message).not.toMatch(/^internal error in the gateway/);
}

const PATHS = ['/v1/chat/completions', '/v1/responses', '/v1/messages'] as const;
const PROXY_STATUSES = new Set([200, 400, 401, 403, 404, 413, 429, 502, 504]);

/** Bodies from plain noise to near-valid requests with odd values in every field the adapters read. */
const odd = fc.oneof(fc.string({ maxLength: 30 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 3 }));
const content = fc.oneof(fc.string({ maxLength: 40 }), fc.array(fc.record({ type: fc.constantFrom('text', 'image_url', 'tool_result', 'input_text', 'bogus'), text: odd, content: odd }, { requiredKeys: ['type'] }), { maxLength: 3 }), odd);
const message = fc.record({ role: fc.constantFrom('user', 'system', 'assistant', 'tool', 'developer', 'nobody'), content }, { requiredKeys: [] });
const requestBody = fc.record(
  {
    model: fc.oneof(fc.constantFrom('gpt-4o-mini', 'claude-haiku-4-5', 'gpt-4.1-mini', ''), odd),
    messages: fc.oneof(fc.array(message, { maxLength: 4 }), odd),
    input: fc.oneof(fc.string({ maxLength: 40 }), fc.array(message, { maxLength: 3 }), odd),
    system: fc.oneof(fc.string({ maxLength: 20 }), odd),
    instructions: odd,
    stream: fc.oneof(fc.boolean(), odd),
    stream_options: odd,
    max_tokens: fc.oneof(fc.integer({ min: -10, max: 100_000 }), odd),
    tools: odd,
  },
  { requiredKeys: [] },
);
const bodyText = fc.oneof(
  { weight: 4, arbitrary: requestBody.map((b) => JSON.stringify(b)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 100 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((j) => JSON.stringify(j)) },
);

describe('proxy request bodies', () => {
  it.each(PATHS)('%s: a documented status and, for errors, a clear message in the caller format', async (path) => {
    await fc.assert(
      fc.asyncProperty(bodyText, async (body) => {
        const answer = await send(`${daemon.url}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-mock-chunk-delay': '0' },
          body,
        });
        expect(PROXY_STATUSES.has(answer.status), `${answer.status} ${answer.text.slice(0, 200)}`).toBe(true);
        if (answer.status >= 400) expectClearError(answer);
      }),
      RUNS,
    );
  });
});

/** Header values a client could send: printable ASCII, as fetch allows. */
const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 }).map((v) => v.trim());

describe('proxy request headers', () => {
  it('arbitrary auth, content and forwarding headers: 401 or a served request, never a crash', async () => {
    const headers = fc.record(
      {
        authorization: fc.oneof(headerValue, headerValue.map((v) => `Bearer ${v}`), fc.constant(`Bearer ${'tkn_'}`), fc.constant('Bearer')),
        'x-api-key': headerValue,
        'content-type': fc.oneof(headerValue, fc.constantFrom('application/json', 'text/plain', 'application/json; charset=latin1')),
        'accept-encoding': fc.oneof(headerValue, fc.constantFrom('gzip', 'br', 'identity;q=0', '*')),
        'x-forwarded-for': headerValue,
        'anthropic-version': headerValue,
        'openai-organization': headerValue,
        'content-encoding': fc.constantFrom('gzip', 'br', 'deflate', 'x-unknown'),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(headers, fc.constantFrom(...PATHS, '/v1/models', '/v1/embeddings', '/v1/tokenomics/key', '/key/info'), async (h, path) => {
        const get = path === '/v1/models' || path === '/v1/tokenomics/key' || path === '/key/info';
        const answer = await send(`${daemon.url}${path}`, {
          method: get ? 'GET' : 'POST',
          headers: h,
          body: get ? undefined : JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], input: 'hi' }),
        });
        expect(answer.status, answer.text).toBe(401);
        expectClearError(answer);
      }),
      RUNS,
    );
  });

  it('odd but valid-token headers: served or refused with a clear message', async () => {
    const headers = fc.record(
      {
        'content-type': fc.oneof(headerValue, fc.constantFrom('application/json', 'text/plain')),
        'accept-encoding': fc.oneof(headerValue, fc.constantFrom('gzip', 'br', '*')),
        'x-request-id': headerValue,
        'anthropic-beta': headerValue,
        'content-encoding': fc.constantFrom('gzip', 'br', 'x-unknown'),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(headers, fc.constantFrom(...PATHS), async (h, path) => {
        const answer = await send(`${daemon.url}${path}`, {
          method: 'POST',
          headers: { ...h, 'x-api-key': token },
          body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }], input: 'hi' }),
        });
        expect(PROXY_STATUSES.has(answer.status), `${answer.status} ${answer.text.slice(0, 200)}`).toBe(true);
        if (answer.status >= 400) expectClearError(answer);
      }),
      RUNS,
    );
  });
});

const POLICY_FIELDS = ['base_key_env', 'model', 'model_regex', 'max_tokens', 'budgets', 'rules', 'prompts', 'rate_limit', 'retry', 'timeout', 'providers', 'metadata', 'memory', 'upstream_url'];
const policy = fc.dictionary(fc.constantFrom(...POLICY_FIELDS), odd, { maxKeys: 5 }).map((p) => ({ base_key_env: 'MOCK_KEY', ...p }));

describe('control API bodies (policy JSON as `tokenomics token create` sends it)', () => {
  const controlBody = fc.oneof(
    policy.map((p) => JSON.stringify({ policy: JSON.stringify(p) })),
    fc.record({ policy: odd, expires_at: odd }, { requiredKeys: [] }).map((b) => JSON.stringify(b)),
    fc.string({ maxLength: 80 }),
    fc.jsonValue({ maxDepth: 3 }).map((j) => JSON.stringify(j)),
  );

  it('POST /tokens and PATCH /tokens/<hash>: 201/200 or a 4xx naming the problem', async () => {
    const state = controlState(dir);
    const auth = { authorization: `Bearer ${state.control_secret}`, 'content-type': 'application/json' };
    const { hash } = await createToken(dir, { base_key_env: 'MOCK_KEY' });
    await fc.assert(
      fc.asyncProperty(controlBody, fc.boolean(), async (body, patch) => {
        const answer = await send(`${state.control_url}/tokens${patch ? `/${hash}` : ''}`, { method: patch ? 'PATCH' : 'POST', headers: auth, body });
        expect([200, 201, 400, 404], `${answer.status} ${answer.text}`).toContain(answer.status);
        if (answer.status >= 400) expectClearError(answer);
        else expect(answer.text).not.toContain('MOCK_KEY='); // the policy names the variable, never its value
      }),
      RUNS,
    );
  });
});

describe('admin API bodies (the admin page\'s key editor)', () => {
  const expires = fc.oneof(fc.constantFrom('30d', '24h', 'clear', '', '2030-01-01T00:00:00Z', 'soon', '-1d'), odd);
  const adminBody = fc.oneof(
    fc.record({ policy: fc.oneof(policy, policy.map((p) => JSON.stringify(p)), odd), expires }, { requiredKeys: [] }).map((b) => JSON.stringify(b)),
    fc.string({ maxLength: 80 }),
    fc.jsonValue({ maxDepth: 3 }).map((j) => JSON.stringify(j)),
  );

  it('POST /admin/api/keys and PUT /admin/api/keys/<hash>: 201/200 or a 4xx naming the problem', async () => {
    const { hash } = await createToken(dir, { base_key_env: 'MOCK_KEY' });
    await fc.assert(
      fc.asyncProperty(adminBody, fc.boolean(), async (body, put) => {
        const answer = await send(`${daemon.url}/admin/api/keys${put ? `/${hash}` : ''}`, {
          method: put ? 'PUT' : 'POST',
          headers: { 'content-type': 'application/json', origin: daemon.url },
          body,
        });
        expect([200, 201, 400, 404], `${answer.status} ${answer.text}`).toContain(answer.status);
        if (answer.status >= 400) expectClearError(answer);
      }),
      RUNS,
    );
  });

  it('arbitrary Origin and Sec-Fetch-Site on a change: refused with 403 unless same-origin', async () => {
    const headers = fc.record({ origin: fc.oneof(headerValue, fc.constant(daemon.url)), 'sec-fetch-site': fc.constantFrom('same-origin', 'cross-site', 'none', 'same-site') }, { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(headers, async (h) => {
        const answer = await send(`${daemon.url}/admin/api/keys`, { method: 'POST', headers: { 'content-type': 'application/json', ...h }, body: '{}' });
        const allowed = h.origin === daemon.url && h['sec-fetch-site'] !== 'cross-site';
        expect(answer.status, `${JSON.stringify(h)}: ${answer.text}`).toBe(allowed ? 400 : 403);
        expectClearError(answer);
      }),
      RUNS,
    );
  });
});

describe('inbound webhook payloads', () => {
  const sign = (body: string) => `sha256=${createHmac('sha256', SIGNING_KEY).update(body).digest('hex')}`;
  const payload = fc.oneof(
    fc.record({ type: fc.oneof(fc.constantFrom('token.created', 'token.deleted', 'token.updated', 'server.start'), odd), id: odd, timestamp: odd, data: odd }, { requiredKeys: [] }).map((p) => JSON.stringify(p)),
    fc.string({ maxLength: 80 }),
    fc.jsonValue({ maxDepth: 3 }).map((j) => JSON.stringify(j)),
  );
  const auth = fc.constantFrom('good', 'no-secret', 'wrong-secret', 'bad-signature', 'no-signature');

  it('accepted, ignored or refused (400/401/403) with a JSON answer, whatever the payload and credentials', async () => {
    await fc.assert(
      fc.asyncProperty(payload, auth, async (body, how) => {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (how !== 'no-secret') headers['x-webhook-secret'] = how === 'wrong-secret' ? 'not-the-secret' : WEBHOOK_SECRET;
        if (how !== 'no-signature') headers['x-webhook-signature'] = how === 'bad-signature' ? sign(`${body} `) : sign(body);
        const answer = await send(`${daemon.url}/v1/webhook`, { method: 'POST', headers, body });
        const expected = how === 'no-secret' || how === 'wrong-secret' ? [401] : how === 'good' ? [200, 400] : [403];
        expect(expected, `${how}: ${answer.status} ${answer.text}`).toContain(answer.status);
        if (answer.status >= 400) expectClearError(answer);
        else expect(JSON.parse(answer.text)).toHaveProperty('status');
      }),
      RUNS,
    );
  });
});

describe('after the fuzzing', () => {
  it('the daemon is still running and serves a normal request', async () => {
    expect(daemon.child.exitCode).toBeNull();
    const answer = await send(`${daemon.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(answer.status).toBe(200);
    expect(daemon.output()).not.toContain('unexpected error while proxying');
  });
});
