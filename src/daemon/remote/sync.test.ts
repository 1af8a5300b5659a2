// RemoteSync against a small server speaking the central server's token list, on a real token database: the mirror
// (create, update, delete what the server deleted, keep local tokens), coalescing of pushed events, periodic syncs.
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDir } from '../../../test/helpers/cli.js';
import { TEST_KEYS } from '../../../test/helpers/daemon.js';
import { parsePolicy } from '../../core/policy/parse.js';
import { loadConfig } from '../config/load-config.js';
import { loadKeys } from '../keys/keys.js';
import { TokenStore } from '../store/token-store.js';
import { RemoteSync } from './sync.js';

const scratch = scratchDir();
const H = (n: number) => String(n).repeat(64).slice(0, 64);
let server: Server;
let url = '';
let listed: Array<{ token_hash: string; policy: string; created_at: string; expires_at?: string }> = [];
let gets = 0;
let lastAuth: string | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    gets += 1;
    lastAuth = req.headers.authorization;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(listed));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  scratch.cleanup();
});

let n = 0;
async function setup(sync = 0): Promise<{ store: TokenStore; remote: RemoteSync; forgotten: string[] }> {
  const { config } = loadConfig({
    cwd: scratch.path,
    home: scratch.path,
    env: { ...TEST_KEYS, TOKENOMICS_REMOTE_URL: `${url}/`, TOKENOMICS_REMOTE_API_KEY: 'k', TOKENOMICS_REMOTE_SYNC: String(sync) },
    flags: [],
  });
  const store = await TokenStore.open(join(scratch.path, `db${++n}`), await loadKeys(config, { ...TEST_KEYS }));
  const forgotten: string[] = [];
  const remote = new RemoteSync({ config, store, forget: (hash) => forgotten.push(hash), log: { info: () => {}, warn: () => {} } });
  return { store, remote, forgotten };
}

const policy = (extra: object = {}) => JSON.stringify({ base_key_env: 'K', ...extra });

describe('RemoteSync', () => {
  it('mirrors the server: creates, updates, deletes its own tokens and keeps local ones', async () => {
    const { store, remote, forgotten } = await setup();
    await store.create(H(9), parsePolicy(policy()));
    listed = [
      { token_hash: H(1), policy: policy(), created_at: '2026-12-01T00:00:00Z' },
      { token_hash: H(2), policy: policy(), created_at: '2026-12-01T00:00:00Z', expires_at: '2027-01-01T00:00:00Z' },
      { token_hash: H(3), policy: '{"not":"a policy"}', created_at: '2026-12-01T00:00:00Z' },
    ];
    expect(await remote.sync()).toEqual({ created: 2, updated: 0, deleted: 0, skipped: 1 });
    expect(lastAuth).toBe('Bearer k');
    expect((await store.get(H(2)))?.expiresAt).toBe('2027-01-01T00:00:00Z');
    expect((await store.get(H(1)))?.origin).toBe('remote');

    listed = [{ token_hash: H(1), policy: policy({ model: 'gpt-4o-mini' }), created_at: '2026-12-01T00:00:00Z' }];
    expect(await remote.sync()).toEqual({ created: 0, updated: 1, deleted: 1, skipped: 0 });
    expect((await store.get(H(1)))?.policy.model).toBe('gpt-4o-mini');
    expect(await store.get(H(2))).toBeUndefined();
    expect(await store.get(H(9))).toBeDefined(); // local: the server does not own it
    expect(forgotten).toEqual([H(1), H(2), H(1), H(2)]);
    expect(await remote.sync()).toEqual({ created: 0, updated: 0, deleted: 0, skipped: 0 });
    await remote.close();
    await store.close();
  });

  it('a burst of pushed events ends in one sync after the last', async () => {
    const { store, remote } = await setup();
    listed = [];
    const before = gets;
    for (let i = 0; i < 20; i++) remote.requestSync();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(gets - before).toBe(1);
    await remote.close();
    await store.close();
  });

  it('syncs every remote.sync seconds', async () => {
    const { store, remote } = await setup(1);
    const before = gets;
    remote.startPeriodic();
    await new Promise((resolve) => setTimeout(resolve, 2300));
    expect(gets - before).toBeGreaterThanOrEqual(2);
    await remote.close();
    await store.close();
  });

  it('names the server and what to check when it refuses', async () => {
    const { store, remote } = await setup();
    const refusing = createServer((_req, res) => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end('{"error":"invalid api key"}');
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', () => resolve()));
    const { config } = loadConfig({ cwd: scratch.path, home: scratch.path, env: { ...TEST_KEYS, TOKENOMICS_REMOTE_URL: `http://127.0.0.1:${(refusing.address() as { port: number }).port}` }, flags: [] });
    const other = new RemoteSync({ config, store, forget: () => {}, log: { info: () => {}, warn: () => {} } });
    await expect(other.sync()).rejects.toThrow(/answered 403 to GET \/api\/v1\/tokens; check remote.api_key/);
    await other.close();
    await remote.close();
    await new Promise((resolve) => refusing.close(resolve));
    await store.close();
  });
});
