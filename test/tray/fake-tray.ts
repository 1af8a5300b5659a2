// Runs the built `tokenomics tray` as a child process in a directory holding the fake tray helper (fake-tray.cjs as
// ./traybin/tray_linux_release), and reads and clicks its menu through the files the fake keeps.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI } from '../helpers/cli.js';
import { daemonEnv } from '../helpers/daemon.js';

export interface FakeMenu {
  /** The helper's own pid. */
  readonly pid: number;
  readonly icon_sha256: string;
  readonly tooltip: string;
  readonly items: ReadonlyArray<{ id: number; title: string; enabled: boolean; hidden: boolean }>;
}

export type IconName = 'running' | 'stopped' | 'error' | 'over-budget';

const ASSETS = fileURLToPath(new URL('../../assets/tray/', import.meta.url));

/** Which state icon a sha256 is (the tray sends the 22 px PNG on Linux). */
export function iconName(sha: string | undefined): IconName | undefined {
  for (const name of ['running', 'stopped', 'error', 'over-budget'] as const) {
    if (createHash('sha256').update(readFileSync(join(ASSETS, `${name}-22.png`))).digest('hex') === sha) return name;
  }
  return undefined;
}

export interface TrayProcess {
  readonly child: ChildProcess;
  readonly cwd: string;
  readonly exited: Promise<number | null>;
  output(): string;
  menu(): FakeMenu | undefined;
  titles(): string[];
  enabled(title: string): boolean | undefined;
  icon(): IconName | undefined;
  click(title: string): void;
  /** Polls until `check` returns a truthy value (bounded); fails with the menu and the tray's output. */
  waitFor<T>(check: () => T | undefined | false, what: string, ms?: number): Promise<T>;
  stop(): Promise<number | null>;
}

export interface LaunchOptions {
  readonly home: string;
  readonly dir: string;
  readonly env?: Record<string, string | undefined>;
  readonly args?: readonly string[];
  /** FAKE_TRAY_MODE: silent (never ready) or crash (exits at once). */
  readonly mode?: 'silent' | 'crash';
}

const FAKE_SOURCE = readFileSync(fileURLToPath(new URL('./fake-tray.cjs', import.meta.url)), 'utf8');

export function launchTray(options: LaunchOptions): TrayProcess {
  mkdirSync(options.home, { recursive: true });
  const cwd = mkdtempSync(join(options.home, 'tray-cwd-'));
  const helper = join(cwd, 'traybin', 'tray_linux_release');
  mkdirSync(join(cwd, 'traybin'));
  writeFileSync(helper, `#!${process.execPath}\n${FAKE_SOURCE}`);
  chmodSync(helper, 0o755);
  const env: Record<string, string | undefined> = {
    ...daemonEnv({ home: options.home, dir: options.dir }),
    DISPLAY: ':fake-tray',
    FAKE_TRAY_DIR: cwd,
    FAKE_TRAY_MODE: options.mode,
    ...options.env,
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const child = spawn(process.execPath, [CLI, '--dir', options.dir, 'tray', '--poll-interval', '300', ...(options.args ?? [])], {
    cwd,
    env: env as NodeJS.ProcessEnv,
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const menu = (): FakeMenu | undefined => {
    try {
      return JSON.parse(readFileSync(join(cwd, 'menu.json'), 'utf8')) as FakeMenu;
    } catch {
      return undefined;
    }
  };
  const tray: TrayProcess = {
    child,
    cwd,
    exited,
    output: () => output,
    menu,
    titles: () => (menu()?.items ?? []).filter((item) => item.title !== '<SEPARATOR>').map((item) => item.title),
    enabled: (title) => menu()?.items.find((item) => item.title === title)?.enabled,
    icon: () => iconName(menu()?.icon_sha256),
    click: (title) => appendFileSync(join(cwd, 'clicks'), `${title}\n`),
    async waitFor(check, what, ms = 20_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const value = check();
        if (value) return value;
        if (Date.now() > deadline) {
          throw new Error(`timed out waiting for ${what}\nmenu: ${JSON.stringify(menu()?.items.map((i) => i.title))} icon ${tray.icon()}\ntray output:\n${output}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  return tray;
}
