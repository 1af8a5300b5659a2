// The real tray: Xvfb, a session bus, trayer as the tray host, systray2's own helper binary, xdotool clicks. The icon
// appears, a click opens the menu, clicking Start proxy makes /health answer. Screenshots go to test-artifacts/tray/.
// Skipped where those programs are missing, except in CI, where they are installed and the test must run.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xembedTrayRuns } from '../../src/tray/x11-probe.js';
import { onPath } from '../../src/tray/clipboard.js';
import { baseEnv, CLI, scratchDir } from '../helpers/cli.js';
import { freePort, TEST_KEYS } from '../helpers/daemon.js';

const TOOLS = ['Xvfb', 'trayer', 'xdotool', 'xwininfo', 'import', 'dbus-daemon', 'dbus-send'];
const missing = TOOLS.filter((tool) => !onPath(tool));
const skip = missing.length > 0 && !process.env.CI;
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/tray/', import.meta.url));

const scratch = scratchDir('tokenomics-tray-real-');
const home = scratch.path;
const dir = join(home, '.tokenomics');
const processes: ChildProcess[] = [];
let display = '';
let env: Record<string, string> = {};
let port = 0;

interface Spawned {
  readonly child: ChildProcess;
  output(): string;
  readonly exited: Promise<number | null>;
}

function start(command: string, args: readonly string[], options: { cwd?: string } = {}): Spawned {
  const child = spawn(command, args, { env, cwd: options.cwd ?? home });
  processes.push(child);
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.on('error', () => undefined);
  return { child, output: () => output, exited };
}

function run(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(command, args, { env, timeout: 10_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${command} ${args.join(' ')}: ${err.message} ${stderr}`)) : resolve(stdout))),
  );
}

/** Polls `check`; `what` may be a function so the message shows the output as it is when the wait gives up. */
async function until<T>(check: () => Promise<T | undefined | false>, what: string | (() => string), ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

async function geometry(window: string): Promise<Box> {
  const shell = await run('xdotool', ['getwindowgeometry', '--shell', window]);
  const value = (name: string) => Number(new RegExp(`^${name}=(-?\\d+)`, 'm').exec(shell)?.[1]);
  return { x: value('X'), y: value('Y'), width: value('WIDTH'), height: value('HEIGHT') };
}

/** The tray helper's icon window, docked in trayer (the helper also has unmapped windows of the same name). */
async function findIcon(): Promise<Box | undefined> {
  const ids = (await run('xdotool', ['search', '--name', '^tray_linux_release$']).catch(() => '')).split('\n').filter(Boolean);
  for (const id of ids) {
    const box = await geometry(id).catch(() => undefined);
    if (box && box.x >= 0 && box.width >= 16 && box.width <= 64) return box;
  }
  return undefined;
}

/** The open popup menu: a viewable top-level window taller than a panel and narrower than the screen. */
async function findMenu(): Promise<Box | undefined> {
  const tree = await run('xwininfo', ['-root', '-children']);
  for (const id of tree.match(/^\s+(0x[0-9a-f]+)/gm)?.map((s) => s.trim()) ?? []) {
    const info = await run('xwininfo', ['-id', id]).catch(() => '');
    if (!/Map State: IsViewable/.test(info)) continue;
    const box = await geometry(id).catch(() => undefined);
    if (box && box.height > 40 && box.width < 400) return box;
  }
  return undefined;
}

async function screenshot(name: string): Promise<void> {
  await run('import', ['-window', 'root', join(ARTIFACTS, name)]);
}

async function health(): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
}

function freeDisplay(): number {
  for (let n = 90 + Math.floor(Math.random() * 100); n < 400; n++) {
    if (!existsSync(`/tmp/.X11-unix/X${n}`) && !existsSync(`/tmp/.X${n}-lock`)) return n;
  }
  throw new Error('no free X display number');
}

describe.skipIf(skip)(`the real tray under Xvfb + trayer${skip ? ` (skipped: ${missing.join(', ')} not installed)` : ''}`, () => {
  let tray: Spawned;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    port = await freePort();
    const number = freeDisplay();
    display = `:${number}`;
    env = {
      ...baseEnv(home),
      ...TEST_KEYS,
      DISPLAY: display,
      XDG_DATA_HOME: join(home, 'xdg-empty'),
      XDG_CONFIG_HOME: join(home, 'xdg-empty'),
      TOKENOMICS_SERVER_HTTP_PORT: String(port),
      TOKENOMICS_SERVER_TLS_ENABLED: 'false',
    };
    delete env.WAYLAND_DISPLAY;
    delete env.XAUTHORITY;
    start('Xvfb', [display, '-screen', '0', '800x300x24', '-nolisten', 'tcp']);
    await until(async () => existsSync(`/tmp/.X11-unix/X${number}`) && (await run('xwininfo', ['-root']).then(() => true)), 'Xvfb');
    const bus = start('dbus-daemon', ['--session', '--nofork', '--print-address=1']);
    env.DBUS_SESSION_BUS_ADDRESS = await until(async () => /^(unix:\S+)/m.exec(bus.output())?.[1], 'the session bus');
  }, 60_000);

  afterAll(async () => {
    // SIGTERM makes the tray stop the proxy it started; the rest are stopped by PID.
    for (const child of [...processes].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await new Promise((resolve) => child.once('exit', resolve));
      clearTimeout(timer);
    }
    scratch.cleanup();
  }, 60_000);

  it('without a tray host: one clear message and exit code 1', async () => {
    expect(await xembedTrayRuns(display, env)).toBe(false);
    const lonely = start(process.execPath, [CLI, '--dir', dir, 'tray']);
    expect(await lonely.exited).toBe(1);
    expect(lonely.output()).toContain(`Error: cannot show the tray: no tray host: nothing on this desktop shows tray icons (no StatusNotifierWatcher on the session bus, no system tray on X display ${display})`);
  }, 30_000);

  it('the icon appears in trayer', async () => {
    // On a busy CI machine a GTK program can be slow to start, or fail once: a second trayer gets another chance, and
    // the message says how each ended and what it printed.
    const trayerArgs = ['--edge', 'top', '--align', 'right', '--widthtype', 'pixel', '--width', '120', '--height', '32', '--SetDockType', 'true', '--transparent', 'false'];
    const attempts: Spawned[] = [];
    const report = () =>
      attempts
        .map((t, i) => `trayer #${i + 1} ${t.child.exitCode !== null || t.child.signalCode !== null ? `exited (${t.child.exitCode ?? t.child.signalCode})` : 'still running'}; it said:\n${t.output()}`)
        .join('\n');
    for (;;) {
      attempts.push(start('trayer', trayerArgs));
      const owned = await until(() => xembedTrayRuns(display, env), 'trayer', 25_000).then(() => true, () => false);
      if (owned) break;
      if (attempts.length === 2) throw new Error(`timed out waiting for trayer to own the system tray selection:\n${report()}`);
      attempts.at(-1)!.child.kill('SIGKILL');
    }
    tray = start(process.execPath, [CLI, '--dir', dir, 'tray', '--poll-interval', '500']);
    await until(async () => tray.output().includes('Tray ready'), () => `the tray to be ready; output:\n${tray.output()}`, 20_000);
    const icon = await until(findIcon, 'the icon window');
    expect(icon.width).toBeGreaterThanOrEqual(16);
    await screenshot('1-icon-stopped.png');
  }, 90_000);

  it('a click opens the menu; clicking Start proxy makes /health answer', async () => {
    const icon = (await findIcon())!;
    await run('xdotool', ['mousemove', String(icon.x + icon.width / 2), String(icon.y + icon.height / 2), 'click', '1']);
    const menu = await until(findMenu, 'the menu');
    await screenshot('2-menu-stopped.png');
    expect(await health()).toBe(false);
    // Rows of 25 px under a 4 px border: status (16), detail (41), a separator, then Start proxy at 67 px.
    await run('xdotool', ['mousemove', String(menu.x + 40), String(menu.y + 67)]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await screenshot('3-menu-start-hovered.png');
    await run('xdotool', ['click', '1']);
    await until(health, () => `/health to answer; tray output:\n${tray.output()}`, 30_000);
    await until(async () => tray.output().includes(`Started the proxy: http://127.0.0.1:${port}`), 'the tray to report the start');
    await until(async () => tray.output().includes(`Proxy running at http://127.0.0.1:${port}`), 'the tray to see the proxy');
    await new Promise((resolve) => setTimeout(resolve, 700));
    await run('xdotool', ['mousemove', String(icon.x + icon.width / 2), String(icon.y + icon.height / 2), 'click', '1']);
    await until(findMenu, 'the menu again');
    await screenshot('4-menu-running.png');
    await run('xdotool', ['key', 'Escape']);
  }, 60_000);

  it('Quit from the menu stops the proxy the tray started and ends the tray', async () => {
    const icon = (await findIcon())!;
    await until(async () => !(await findMenu()), 'the menu to close');
    await run('xdotool', ['mousemove', String(icon.x + icon.width / 2), String(icon.y + icon.height / 2), 'click', '1']);
    const menu = await until(findMenu, 'the menu');
    // The last row, Quit, sits 17 px above the menu's bottom edge.
    await run('xdotool', ['mousemove', String(menu.x + 40), String(menu.y + menu.height - 17), 'click', '1']);
    expect(await tray.exited).toBe(0);
    expect(await health()).toBe(false);
  }, 60_000);
});
