// `tokenomics status` on a real terminal: runs inside tmux against a running daemon, sees the request counter change
// in `tmux capture-pane` as requests go through the proxy, switches views, quits with `q` and exits 0.
// Skipped outside CI when tmux is missing (.ci/run installs it).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli, scratchDir } from './helpers/cli.js';
import { daemonEnv, freePort, startDaemon, TEST_KEYS, type RunningDaemon } from './helpers/daemon.js';
import { startMockUpstream, type MockUpstream } from './helpers/mock-upstream.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux && process.env.CI) throw new Error('tmux is required in CI for the dashboard end-to-end test (.ci/run installs it)');

const scratch = scratchDir();
const home = scratch.path;
const dir = join(home, '.tokenomics');
const socket = `tokenomics-test-${process.pid}`;
const exitFile = join(home, 'status.exit');
let mock: MockUpstream;
let daemon: RunningDaemon;
let key: string;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let extraEnv: Record<string, string> = {};
function tmux(...args: string[]): string {
  const result = spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', env: daemonEnv({ home, dir, env: extraEnv }) as NodeJS.ProcessEnv });
  if (result.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

let pane = 'dash';
const screen = () => tmux('capture-pane', '-p', '-t', pane);

async function exitCode(file: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  while (!existsSync(file) && Date.now() < deadline) await sleep(100);
  return readFileSync(file, 'utf8').trim();
}

async function waitForScreen(check: (text: string) => boolean, ms = 10_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const text = screen();
    if (check(text)) return text;
    if (Date.now() > deadline) throw new Error(`timed out; the pane shows:\n${text}`);
    await sleep(100);
  }
}

async function chat(): Promise<void> {
  const res = await fetch(`${daemon.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
}

beforeAll(async () => {
  if (!hasTmux) return;
  mock = await startMockUpstream();
  daemon = await startDaemon({ home, dir, env: { TOKENOMICS_SERVER_UPSTREAM_URL: mock.url, MOCK_KEY: 'sk-mock' } });
  const created = await runCli(['--dir', dir, 'token', 'create', '--policy', JSON.stringify({ base_key_env: 'MOCK_KEY', budgets: [{ usd: 10, window: '1d' }] }), '--json'], {
    home,
    env: { ...TEST_KEYS },
  });
  expect(created.code, created.stderr).toBe(0);
  key = (JSON.parse(created.stdout) as { token: string }).token;
});

afterAll(async () => {
  if (hasTmux) spawnSync('tmux', ['-L', socket, 'kill-server']);
  await daemon?.stop();
  await mock?.close();
  scratch.cleanup();
});

describe.skipIf(!hasTmux)('tokenomics status in a terminal (tmux)', () => {
  it('shows the live dashboard, follows requests, and q exits 0', async () => {
    const command = `${process.execPath} ${CLI} --dir ${dir} status; echo $? > ${exitFile}`;
    tmux('new-session', '-d', '-s', 'dash', '-x', '100', '-y', '30', '-c', home, command);

    const first = await waitForScreen((text) => text.includes('● running') && /Today \S+ +0 req/.test(text));
    expect(first).toContain(daemon.url);
    expect(first).toContain('Overview');
    expect(first).toContain('no requests since the daemon started');

    await chat();
    await chat();
    const after = await waitForScreen((text) => /Today \S+ +2 req/.test(text), 5000);
    expect(after).toMatch(/gpt-4o-mini +2 +22 +14/);
    expect(after).toMatch(/\d\d:\d\d:\d\d 200 +\d+ms gpt-4o-mini/);

    tmux('send-keys', '-t', 'dash', 'Tab');
    await waitForScreen((text) => text.includes('By token (today, 1 token(s) in the database)'));
    tmux('send-keys', '-t', 'dash', '?');
    await waitForScreen((text) => text.includes('Dashboard keys'));
    tmux('send-keys', '-t', 'dash', 'Escape');
    await waitForScreen((text) => !text.includes('Dashboard keys'));

    tmux('send-keys', '-t', 'dash', 'q');
    expect(await exitCode(exitFile)).toBe('0');
  });

  it('with no daemon: says so, s starts one as tokenomics start does, then it connects', async () => {
    const other = join(home, 'other');
    const file = join(home, 'other.exit');
    extraEnv = { TOKENOMICS_SERVER_HTTP_PORT: String(await freePort()), TOKENOMICS_SERVER_TLS_ENABLED: 'false' };
    pane = 'stopped';
    try {
      tmux('new-session', '-d', '-s', pane, '-x', '100', '-y', '30', '-c', home, `${process.execPath} ${CLI} --dir ${other} status; echo $? > ${file}`);
      await waitForScreen((text) => text.includes('The proxy is not running.') && text.includes('Press s to start it'));
      tmux('send-keys', '-t', pane, 's');
      const running = await waitForScreen((text) => text.includes('● running'), 20_000);
      expect(running).toContain(`http://127.0.0.1:${extraEnv.TOKENOMICS_SERVER_HTTP_PORT}`);
      tmux('send-keys', '-t', pane, 'q');
      expect(await exitCode(file)).toBe('0');
    } finally {
      const stop = await runCli(['--dir', other, 'stop'], { home, env: { ...TEST_KEYS, ...extraEnv } });
      expect(stop.code, stop.stderr).toBe(0);
    }
  });

  it('status --once on a terminal: the plain report, no dashboard', async () => {
    const file = join(home, 'once.exit');
    pane = 'once';
    tmux('new-session', '-d', '-s', pane, '-x', '100', '-y', '30', '-c', home, `${process.execPath} ${CLI} --dir ${dir} status --once; echo $? > ${file}; sleep 30`);
    expect(await exitCode(file)).toBe('0');
    const text = tmux('capture-pane', '-p', '-S', '-', '-t', pane);
    expect(text).toMatch(/^Proxy\n {2}Status: +running \(PID \d+\)/);
    expect(text).not.toContain('Overview');
  });

  it('tokenomics ledger: the browser on a terminal, q exits 0', async () => {
    const file = join(home, 'ledger.exit');
    pane = 'ledger';
    tmux('new-session', '-d', '-s', pane, '-x', '100', '-y', '30', '-c', home, `${process.execPath} ${CLI} --dir ${dir} ledger; echo $? > ${file}`);
    await waitForScreen((text) => text.includes('Tokenomics ledger') && text.includes('Sessions (newest first'));
    tmux('send-keys', '-t', pane, 'Right');
    await waitForScreen((text) => text.includes('Daily usage (UTC, newest first)'));
    tmux('send-keys', '-t', pane, 'q');
    expect(await exitCode(file)).toBe('0');
  });
});

describe('without a terminal', () => {
  it('tokenomics ledger prints what ledger summary prints and exits 0', async () => {
    const bare = await runCli(['--dir', join(home, 'empty'), 'ledger'], { home, env: { ...TEST_KEYS } });
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stdout).toBe('No sessions found.\n');
    if (!hasTmux) return;
    const [plain, summary] = await Promise.all([
      runCli(['--dir', dir, 'ledger'], { home, env: { ...TEST_KEYS } }),
      runCli(['--dir', dir, 'ledger', 'summary'], { home, env: { ...TEST_KEYS } }),
    ]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toBe(summary.stdout);
    expect(plain.stdout).toContain('gpt-4o-mini');
  });
});
