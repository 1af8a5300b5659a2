// Every surface that reads a request body refuses an oversized one with 413 and a message naming the limit, with a
// declared Content-Length and with a chunked body alike, and keeps serving: the proxy (32 MB), the control API,
// the central config server's routes, the admin API and the proxy's inbound webhook (1 MB each).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, CLI, scratchDir } from '../helpers/cli.js';
import { freePort, startDaemon, TEST_KEYS, type RunningDaemon } from '../helpers/daemon.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { controlState, createToken } from './support.js';

const scratch = scratchDir();
const home = scratch.path;
const dir = join(home, '.tokenomics');
const API_KEY = 'body-limits-central-api-key';
const MB = 1024 * 1024;

let mock: MockUpstream;
let daemon: RunningDaemon;
let central: { url: string; stop(): void };
let token: string;

async function startCentral(): Promise<{ url: string; stop(): void }> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, '--dir', join(home, 'central'), 'remote', '--addr', `127.0.0.1:${port}`, '--api-key', API_KEY], {
    cwd: home,
    env: { ...baseEnv(home), ...TEST_KEYS },
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 20_000;
  while (!/listening on/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`remote did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

beforeAll(async () => {
  mock = await startMockUpstream();
  daemon = await startDaemon({
    home,
    dir,
    env: {
      TOKENOMICS_SERVER_UPSTREAM_URL: mock.url,
      MOCK_KEY: 'sk-body-limits-provider-key',
      TOKENOMICS_REMOTE_WEBHOOK_ENABLED: 'true',
      TOKENOMICS_REMOTE_WEBHOOK_SECRET: 'body-limits-webhook-secret',
    },
  });
  central = await startCentral();
  token = (await createToken(dir, { base_key_env: 'MOCK_KEY' })).token;
});

afterAll(async () => {
  central?.stop();
  await daemon?.stop();
  await mock?.close();
  scratch.cleanup();
});

/** A body of `size` bytes, either with its Content-Length or streamed in 1 MB chunks without one. */
function oversized(size: number, chunked: boolean): { body: Buffer | ReadableStream<Uint8Array>; duplex?: 'half' } {
  if (!chunked) return { body: Buffer.alloc(size, 0x20) };
  const chunk = new Uint8Array(MB).fill(0x20);
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= size) return controller.close();
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
  return { body, duplex: 'half' };
}

async function post(url: string, headers: Record<string, string>, size: number, chunked: boolean): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, ...oversized(size, chunked) } as RequestInit);
  return { status: res.status, text: await res.text() };
}

interface Surface {
  readonly name: string;
  readonly limitMb: number;
  readonly url: () => string;
  readonly headers: () => Record<string, string>;
  /** The refusal's message, read from the surface's own error shape. */
  readonly message: (json: Record<string, unknown>) => string;
  /** A normal request that must still succeed afterwards. */
  readonly alive: () => Promise<number>;
}

const errorText = (json: Record<string, unknown>) => (typeof json.error === 'string' ? json.error : (json.error as { message: string }).message);

const SURFACES: readonly Surface[] = [
  {
    name: 'proxy /v1/chat/completions',
    limitMb: 32,
    url: () => `${daemon.url}/v1/chat/completions`,
    headers: () => ({ authorization: `Bearer ${token}` }),
    message: errorText,
    alive: async () =>
      (await fetch(`${daemon.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      })).status,
  },
  {
    name: 'control API POST /tokens',
    limitMb: 1,
    url: () => `${controlState(dir).control_url}/tokens`,
    headers: () => ({ authorization: `Bearer ${controlState(dir).control_secret}` }),
    message: errorText,
    alive: async () => (await fetch(`${controlState(dir).control_url}/status`, { headers: { authorization: `Bearer ${controlState(dir).control_secret}` } })).status,
  },
  {
    name: 'central server POST /api/v1/tokens',
    limitMb: 1,
    url: () => `${central.url}/api/v1/tokens`,
    headers: () => ({ authorization: `Bearer ${API_KEY}` }),
    message: errorText,
    alive: async () => (await fetch(`${central.url}/api/v1/tokens`, { headers: { authorization: `Bearer ${API_KEY}` } })).status,
  },
  {
    name: 'central server POST /api/v1/clients',
    limitMb: 1,
    url: () => `${central.url}/api/v1/clients`,
    headers: () => ({ authorization: `Bearer ${API_KEY}` }),
    message: errorText,
    alive: async () => (await fetch(`${central.url}/health`)).status,
  },
  {
    name: 'admin API POST /admin/api/keys',
    limitMb: 1,
    url: () => `${daemon.url}/admin/api/keys`,
    headers: () => ({ origin: daemon.url }),
    message: errorText,
    alive: async () => (await fetch(`${daemon.url}/admin/api/health`)).status,
  },
  {
    name: 'inbound webhook POST /v1/webhook',
    limitMb: 1,
    url: () => `${daemon.url}/v1/webhook`,
    headers: () => ({ 'x-webhook-secret': 'body-limits-webhook-secret' }),
    message: errorText,
    alive: async () =>
      (await fetch(`${daemon.url}/v1/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-webhook-secret': 'body-limits-webhook-secret' },
        body: JSON.stringify({ type: 'server.start', data: {} }),
      })).status,
  },
];

describe.each(SURFACES.map((s) => [s.name, s] as const))('%s', (_name, surface) => {
  it.each([false, true])('refuses a body over the limit with 413 (chunked: %s)', async (chunked) => {
    const sent = await post(surface.url(), surface.headers(), (surface.limitMb + 1) * MB, chunked);
    expect(sent.status, sent.text).toBe(413);
    expect(surface.message(JSON.parse(sent.text) as Record<string, unknown>)).toMatch(new RegExp(`larger than ${surface.limitMb} MB|too large \\(limit ${surface.limitMb} MB\\)`));
    expect(await surface.alive()).toBe(200);
  });
});
