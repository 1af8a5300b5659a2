// The dashboard with data from a real daemon: GET /dashboard through the control client (today's usage, per model and
// per token, budget gauges, recent requests with errors), GET /events pushing each finished request, and the
// daemon-fed source updating the screen within a second of a request, then saying so when the daemon stops.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardEvent } from '../core/stats/dashboard.js';
import { ControlClient } from '../daemon/control/client.js';
import { readState } from '../daemon/control/state-file.js';
import type { StatusReport } from '../daemon/lifecycle/status.js';
import { runCli, scratchDir } from '../../test/helpers/cli.js';
import { startDaemon, TEST_KEYS, type RunningDaemon } from '../../test/helpers/daemon.js';
import { renderScreen, KEYS } from '../../test/helpers/ink.js';
import { startMockUpstream, type MockUpstream } from '../../test/helpers/mock-upstream.js';
import Dashboard from './Dashboard.js';
import { daemonSource } from './daemon-source.js';
import { fixedSource } from './source.js';

const scratch = scratchDir();
const home = scratch.path;
const dir = join(home, '.tokenomics');
let mock: MockUpstream;
let daemon: RunningDaemon;
let key: string;
let hash: string;

function client(): ControlClient {
  const state = readState(dir);
  if (!state) throw new Error('no daemon.json');
  return new ControlClient(state);
}

async function chat(body: object = {}, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${daemon.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
  await res.arrayBuffer();
  return res.status;
}

beforeAll(async () => {
  mock = await startMockUpstream();
  daemon = await startDaemon({ home, dir, env: { TOKENOMICS_SERVER_UPSTREAM_URL: mock.url, MOCK_KEY: 'sk-mock' } });
  const policy = { base_key_env: 'MOCK_KEY', budgets: [{ usd: 5, window: '1d', calendar: true }], rate_limit: { rules: [{ requests: 100, window: '1m' }] } };
  const created = await runCli(['--dir', dir, 'token', 'create', '--policy', JSON.stringify(policy), '--json'], { home, env: { ...TEST_KEYS } });
  expect(created.code, created.stderr).toBe(0);
  ({ token: key, hash } = JSON.parse(created.stdout) as { token: string; hash: string });
});

afterAll(async () => {
  await daemon?.stop();
  await mock?.close();
  scratch.cleanup();
});

describe('the daemon behind the dashboard', () => {
  it('GET /dashboard: today, per model and token, budgets, recent requests', async () => {
    expect(await chat()).toBe(200);
    expect(await chat({}, { 'x-mock-fault': 'status-500' })).toBe(500);
    const snapshot = await client().dashboard();
    expect(snapshot.proxy).toMatchObject({ pid: daemon.state.pid, http_url: daemon.url });
    expect(snapshot.proxy.session_id).toMatch(/^[0-9a-f]{8}$/);
    expect(snapshot.tokens).toBe(1);
    expect(snapshot.keys).toMatch(/^keys: /);
    expect(snapshot.today).toMatchObject({ source: 'ledger', requests: 2, errors: 1, input_tokens: 11, output_tokens: 7, cache_read_tokens: 3 });
    expect(snapshot.by_model).toEqual([expect.objectContaining({ key: 'gpt-4o-mini', requests: 2 })]);
    expect(snapshot.by_token).toEqual([expect.objectContaining({ key: hash.slice(0, 16), requests: 2 })]);
    const gauges = snapshot.budgets.find((b) => b.token === hash.slice(0, 16))?.gauges ?? [];
    expect(gauges.map((g) => `${g.unit} ${g.window} ${g.limit}`).sort()).toEqual(['requests 1m 100', 'usd 1d 5']);
    expect(gauges.find((g) => g.unit === 'usd')?.resets_at).toMatch(/T00:00:00\.000Z$/);
    expect(gauges.find((g) => g.unit === 'requests')?.used).toBe(2);
    expect(snapshot.recent.map((r) => r.status)).toEqual([500, 200]);
    expect(snapshot.recent[0]).toMatchObject({ model: 'gpt-4o-mini', token: hash.slice(0, 8) });
    expect(snapshot.sessions[0]).toMatchObject({ session_id: snapshot.proxy.session_id, running: true, requests: 2 });

    // The same document rendered.
    const screen = renderScreen(<Dashboard source={fixedSource({ state: 'running', snapshot, live: true })} />);
    const frame = await screen.waitFor((f) => f.includes('● running'));
    expect(frame).toMatch(/Today \d{4}-\d\d-\d\d +2 req +1 err +in 11 +out 7 +cache 3/);
    expect(frame).toMatch(/gpt-4o-mini +2 +11 +7 +3 +1/);
    expect(frame).toContain(`${hash.slice(0, 8)} 1d usd`);
    expect(frame).toMatch(/\d\d:\d\d:\d\d 500 +\d+ms gpt-4o-mini/);
    await screen.press(KEYS.right);
    expect(screen.lastFrame()).toMatch(new RegExp(`${hash.slice(0, 8)} +2 +11 +7`));
    screen.unmount();
  });

  it('GET /events pushes one message per finished request; the control secret is required', async () => {
    const abort = new AbortController();
    const seen: DashboardEvent[] = [];
    const following = client().events((event) => seen.push(event), abort.signal);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await chat()).toBe(200);
    const deadline = Date.now() + 3000;
    while (!seen.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    abort.abort();
    await following;
    expect(seen).toEqual([expect.objectContaining({ status: 200, model: 'gpt-4o-mini', token: hash.slice(0, 8), input_tokens: 11 })]);
    const state = readState(dir)!;
    expect((await fetch(`${state.control_url}/events`)).status).toBe(401);
    expect((await fetch(`${state.control_url}/dashboard`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
  });

  it('the daemon-fed dashboard updates within a second of a request, and says so when the daemon stops', async () => {
    const gather = async () => ({ dir, proxy: { state: 'stopped', state_file: join(dir, 'daemon.json') }, keys: { description: 'keys: environment variables' }, tokens: { state: 'counted', count: 1, source: 'database' } }) as unknown as StatusReport;
    const screen = renderScreen(<Dashboard source={daemonSource({ dir, gather, retryMs: 200 })} />);
    const before = await screen.waitFor((f) => /Today \S+ +\d+ req/.test(f) && f.includes('live'));
    const count = Number(/Today \S+ +(\d+) req/.exec(before)![1]);
    expect(await chat()).toBe(200);
    const sent = Date.now();
    await screen.waitFor((f) => f.includes(`${count + 1} req`), 3000);
    expect(Date.now() - sent).toBeLessThan(1000);

    await daemon.stop();
    const frame = await screen.waitFor((f) => f.includes('The proxy is not running.'), 5000);
    expect(frame).toContain('● stopped');
    expect(frame).toContain('Start it with tokenomics start');
    screen.unmount();
  });
});
