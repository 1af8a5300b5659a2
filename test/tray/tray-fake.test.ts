// `tokenomics tray` against a fake tray helper that speaks systray2's protocol: the menu in each state, clicks that
// start and stop a real daemon, the admin page and the log handed to the opener (captured through $BROWSER), env
// exports on the clipboard or in a file, a daemon killed from outside, and Quit's rule about whose daemon it stops.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, scratchDir } from '../helpers/cli.js';
import { freePort, TEST_KEYS } from '../helpers/daemon.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { launchTray, type TrayProcess } from './fake-tray.js';

const scratch = scratchDir('tokenomics-tray-');
const home = scratch.path;
const trays: TrayProcess[] = [];
let mock: MockUpstream;
let port: number;
let dir: string;
let browserLog: string;
let clipboardFile: string;
let toolsDir: string;

function env(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    TOKENOMICS_SERVER_HTTP_PORT: String(port),
    TOKENOMICS_SERVER_TLS_ENABLED: 'false',
    TOKENOMICS_SERVER_UPSTREAM_URL: mock.url,
    MOCK_KEY: 'sk-mock-secret',
    BROWSER: join(toolsDir, 'browser'),
    // No desktop files: xdg-open finds no handler for the log's MIME type and falls back to $BROWSER.
    XDG_DATA_HOME: join(home, 'xdg-empty'),
    XDG_DATA_DIRS: join(home, 'xdg-empty'),
    XDG_CONFIG_HOME: join(home, 'xdg-empty'),
    ...extra,
  };
}

function tray(extra: Record<string, string | undefined> = {}, args: readonly string[] = []): TrayProcess {
  const launched = launchTray({ home, dir, env: env(extra), args });
  trays.push(launched);
  return launched;
}

async function health(): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
}

async function until(check: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function daemonPid(): number {
  return (JSON.parse(readFileSync(join(dir, 'daemon.json'), 'utf8')) as { pid: number }).pid;
}

function cli(args: readonly string[]) {
  return runCli(['--dir', dir, ...args], { home, env: { ...TEST_KEYS, ...env() } });
}

beforeAll(async () => {
  mock = await startMockUpstream();
  port = await freePort();
  dir = join(home, '.tokenomics');
  toolsDir = join(home, 'tools');
  mkdirSync(toolsDir, { recursive: true });
  browserLog = join(home, 'browser.log');
  clipboardFile = join(home, 'clipboard.txt');
  // xdg-open (bundled with `open`) hands the URL to $BROWSER: this one records it instead of opening anything.
  writeFileSync(join(toolsDir, 'browser'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${browserLog}'\n`);
  chmodSync(join(toolsDir, 'browser'), 0o755);
  writeFileSync(join(toolsDir, 'xclip'), `#!/bin/sh\ncat > '${clipboardFile}'\n`);
  chmodSync(join(toolsDir, 'xclip'), 0o755);
});

afterAll(async () => {
  for (const launched of trays) await launched.stop();
  await cli(['stop']);
  await mock?.close();
  scratch.cleanup();
});

describe('tokenomics tray with a fake tray helper', () => {
  let main: TrayProcess;

  it('shows the stopped state: status line, Start proxy, Open admin page disabled, the stopped icon', async () => {
    main = tray({ PATH: `${toolsDir}:${process.env.PATH}` });
    await main.waitFor(() => main.menu(), 'the first menu');
    expect(main.titles()).toEqual(['Stopped', 'The proxy is not running', 'Start proxy', 'Open admin page', 'Copy env exports', 'View logs', 'Quit']);
    expect(main.enabled('Open admin page')).toBe(false);
    expect(main.enabled('Start proxy')).toBe(true);
    expect(main.icon()).toBe('stopped');
    expect(main.menu()!.tooltip).toBe('Tokenomics: stopped');
  });

  it('Start proxy starts a real daemon: /health answers, the menu offers Stop proxy and shows the URL and today', async () => {
    // A double click starts one proxy.
    main.click('Start proxy');
    main.click('Start proxy');
    await main.waitFor(() => main.titles().includes('Stop proxy'), 'Stop proxy');
    expect(await health()).toBe(true);
    const url = `http://127.0.0.1:${port}`;
    expect(main.titles()).toEqual([`Running: ${url}`, 'Today: 0 requests, $0.00', 'Stop proxy', 'Open admin page', 'Copy env exports', 'View logs', 'Quit']);
    expect(main.enabled('Open admin page')).toBe(true);
    expect(main.icon()).toBe('running');
    expect(main.output().match(/Started the proxy: /g)).toHaveLength(1);
    expect(main.output()).toContain(`Started the proxy: ${url}`);
    expect(main.output()).not.toContain('Could not start');
    expect(main.output()).not.toContain('Found the proxy');
  });

  it("today's requests and USD follow the proxy's traffic", async () => {
    const created = await cli(['token', 'create', '--policy', JSON.stringify({ base_key_env: 'MOCK_KEY' }), '--json']);
    expect(created.code, created.stderr).toBe(0);
    const token = (JSON.parse(created.stdout) as { token: string }).token;
    const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    const line = await main.waitFor(() => main.titles().find((t) => t.startsWith('Today: 1 request,')), 'one request today');
    expect(line).toMatch(/^Today: 1 request, \$\d+\.\d+$/);
  });

  it('Open admin page hands <url>/admin/ to the opener and prints it', async () => {
    main.click('Open admin page');
    const url = `http://127.0.0.1:${port}/admin/`;
    await main.waitFor(() => existsSync(browserLog) && readFileSync(browserLog, 'utf8').includes(url), 'the browser to be called');
    expect(readFileSync(browserLog, 'utf8').trim().split('\n')).toContain(url);
    expect(main.output()).toContain(`Opening the admin page: ${url}`);
  });

  it('Copy env exports puts export lines on the clipboard, naming $TOKENOMICS_KEY instead of a token', async () => {
    main.click('Copy env exports');
    await main.waitFor(() => existsSync(clipboardFile) && readFileSync(clipboardFile, 'utf8').includes('export'), 'the clipboard');
    const text = readFileSync(clipboardFile, 'utf8');
    expect(text).toContain(`export OPENAI_BASE_URL='http://127.0.0.1:${port}/v1'`);
    expect(text).toContain('export OPENAI_API_KEY="$TOKENOMICS_KEY"');
    expect(text).not.toMatch(/tkn_[0-9a-f-]{8,}/);
    await main.waitFor(() => main.titles().includes('Env exports copied to the clipboard (xclip)'), 'the notice in the menu');
  });

  it('View logs opens {dir}/tokenomics.log', async () => {
    main.click('View logs');
    const log = join(dir, 'tokenomics.log');
    await main.waitFor(() => readFileSync(browserLog, 'utf8').includes(log), 'the log to be opened');
    expect(main.output()).toContain(`Opening the log: ${log}`);
  });

  it('a daemon killed from outside turns the icon to error and offers Start proxy again, which works', async () => {
    process.kill(daemonPid(), 'SIGKILL');
    // Until the process is reaped it may still exist without answering: an error too, with another reason.
    await main.waitFor(() => main.titles()[1]?.endsWith('exited without shutting down (crash or kill)'), 'the crash to be reported');
    expect(main.icon()).toBe('error');
    expect(main.titles()[0]).toBe('Error: the proxy is not working');
    expect(main.titles()).toContain('Start proxy');
    expect(main.enabled('Open admin page')).toBe(false);
    main.click('Start proxy');
    await main.waitFor(() => main.icon() === 'running', 'running again');
    expect(await health()).toBe(true);
  });

  it('Stop proxy stops it: /health stops answering, the menu offers Start proxy', async () => {
    main.click('Stop proxy');
    await main.waitFor(() => main.titles().includes('Start proxy') && main.icon() === 'stopped', 'stopped');
    expect(await health()).toBe(false);
    expect(existsSync(join(dir, 'daemon.json'))).toBe(false);
  });

  it('Quit stops the proxy this tray started and exits 0', async () => {
    main.click('Start proxy');
    await main.waitFor(() => main.icon() === 'running', 'running');
    main.click('Quit');
    expect(await main.exited).toBe(0);
    expect(await health()).toBe(false);
    expect(main.output()).toContain('Stopping the proxy this tray started');
  });
});

describe('a proxy started elsewhere', () => {
  it('is followed when `tokenomics start` starts it, and Quit leaves it running', async () => {
    const watcher = tray();
    await watcher.waitFor(() => watcher.icon() === 'stopped', 'stopped');
    const started = await cli(['start', '--no-tls', '--port', String(port)]);
    expect(started.code, started.stderr).toBe(0);
    await watcher.waitFor(() => watcher.icon() === 'running', 'the proxy started by the CLI');
    expect(watcher.titles()[0]).toBe(`Running: http://127.0.0.1:${port}`);
    watcher.click('Quit');
    expect(await watcher.exited).toBe(0);
    expect(await health()).toBe(true);
    const stopped = await cli(['stop']);
    expect(stopped.code).toBe(0);
    await until(async () => !(await health()), 'the proxy to stop');
  });

  it('shows over budget when a token has used up a budget', async () => {
    const started = await cli(['start', '--no-tls', '--port', String(port)]);
    expect(started.code, started.stderr).toBe(0);
    const watcher = tray();
    await watcher.waitFor(() => watcher.icon() === 'running', 'running');
    // The reservation (prompt estimate + max_tokens 1) fits 15 tokens; the mock's reported usage (18) overspends it.
    const created = await cli(['token', 'create', '--policy', JSON.stringify({ base_key_env: 'MOCK_KEY', budgets: [{ tokens: 15, window: '1d' }] }), '--json']);
    expect(created.code, created.stderr).toBe(0);
    const token = (JSON.parse(created.stdout) as { token: string }).token;
    const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status, await res.text()).toBe(200);
    await watcher.waitFor(() => watcher.icon() === 'over-budget', 'the over-budget icon');
    expect(watcher.titles()[1]).toMatch(/over budget: [0-9a-f]{8} /);
    expect(watcher.titles()).toContain('Stop proxy');
    expect(watcher.menu()!.tooltip).toContain('(over budget)');
    await watcher.stop();
    await cli(['stop']);
    await until(async () => !(await health()), 'the proxy to stop');
  });
});

describe('copy env exports without a clipboard tool', () => {
  it('writes the exports to {dir}/env-exports.sh (0600) and says where in the menu', async () => {
    const bare = tray({ PATH: toolsDir.replace(/tools$/, 'no-such-dir') });
    await bare.waitFor(() => bare.menu(), 'the first menu');
    bare.click('Copy env exports');
    const file = join(dir, 'env-exports.sh');
    // The menu shortens a long line (a deep temp dir makes this one long); the output has the whole path.
    const notice = `No clipboard tool found: env exports written to ${file}`;
    await bare.waitFor(() => bare.titles().some((t) => t === notice || (t.endsWith('…') && notice.startsWith(t.slice(0, -1)))), 'the notice');
    expect(readFileSync(file, 'utf8')).toContain('export OPENAI_API_KEY="$TOKENOMICS_KEY"');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(bare.output()).toContain(`env exports written to ${file}`);
  });
});

describe('no display, no tray helper', () => {
  it('without DISPLAY and WAYLAND_DISPLAY: one clear message and exit code 1', async () => {
    const headless = tray({ DISPLAY: undefined, WAYLAND_DISPLAY: undefined });
    expect(await headless.exited).toBe(1);
    expect(headless.output().trim()).toBe(
      'Error: cannot show the tray: no graphical display: DISPLAY and WAYLAND_DISPLAY are not set. Run `tokenomics tray` inside a desktop session (or use `tokenomics status` on a terminal)',
    );
  });

  it('a helper that exits at once (no display it can open): its reason and exit code 1', async () => {
    const crashing = launchTray({ home, dir, env: env(), mode: 'crash' });
    trays.push(crashing);
    expect(await crashing.exited).toBe(1);
    expect(crashing.output()).toContain('Error: cannot show the tray: the tray helper exited with code 3 before showing the icon:\nfake tray: cannot open display');
  });

  it('a helper that never gets ready: exit code 1 after --ready-timeout', async () => {
    const silent = launchTray({ home, dir, env: env(), mode: 'silent', args: ['--ready-timeout', '1000'] });
    trays.push(silent);
    expect(await silent.exited).toBe(1);
    expect(silent.output()).toContain('Error: cannot show the tray: the tray helper did not come up within 1 s (is a tray host running?)');
  });

  it('a helper that dies later (the panel or X server went away): the tray says so and exits 1', async () => {
    const orphan = tray();
    const menu = await orphan.waitFor(() => orphan.menu(), 'the first menu');
    process.kill(menu.pid, 'SIGKILL');
    expect(await orphan.exited).toBe(1);
    expect(orphan.output()).toContain('The tray helper was killed by SIGKILL; the tray is gone');
  });

  it('rejects a bad --poll-interval or TOKENOMICS_TRAY_POLL_MS with exit code 2', async () => {
    const result = await runCli(['--dir', dir, 'tray', '--poll-interval', 'soon'], { home, env: { DISPLAY: ':0' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('invalid --poll-interval "soon": give a whole number of milliseconds from 100 to 3600000');
    const fromEnv = await runCli(['--dir', dir, 'tray'], { home, env: { DISPLAY: ':0', TOKENOMICS_TRAY_POLL_MS: '5' } });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain('invalid TOKENOMICS_TRAY_POLL_MS "5"');
  });
});
