// The systray2 side: its helper binary shows the icon and menu and reports clicks as JSON lines on stdout. This module
// makes that binary executable (the npm package ships it without the x bit), bounds the wait for it to come up, watches
// it exit, and turns TrayViews into the protocol's update actions.
import { accessSync, chmodSync, constants, copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import systrayModule, { type MenuItem } from 'systray2';
import { TrayUnavailableError } from './display.js';
import type { MenuId, TrayView } from './state.js';

// systray2 is CommonJS with an ES-style default export: under Node's ESM loader the class sits on `.default`.
const SysTray = systrayModule.default;
type SysTray = InstanceType<typeof SysTray>;

class HeldSysTray extends SysTray {
  #held = false;

  /** Pauses the helper's stdout until systray2 has a line listener on it (see openTrayHost). */
  holdOutputUntilListening(): void {
    const stdout = this.process?.stdout;
    if (this.#held || !stdout || !this._rl) return;
    this.#held = true;
    stdout.pause();
    const deadline = Date.now() + 10_000;
    const check = () => (this._rl.listenerCount('line') > 0 || stdout.destroyed || Date.now() > deadline ? stdout.resume() : setImmediate(check));
    setImmediate(check);
  }
}

const require = createRequire(import.meta.url);

export function binaryName(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return 'tray_windows_release.exe';
  if (platform === 'darwin') return 'tray_darwin_release';
  return 'tray_linux_release';
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes the helper binary systray2 will run executable. systray2 takes `./traybin/<name>` relative to the current
 * directory when it exists, else the one in its package. When the package folder is read-only, the binary is copied to
 * `cacheDir/<systray2 version>/` (systray2's own copyDir layout) and that copy is used. Returns systray2's copyDir.
 */
export function prepareBinary(cacheDir: string): string | false {
  if (process.platform === 'win32') return false;
  const name = binaryName();
  const local = join('traybin', name);
  const packageDir = dirname(require.resolve('systray2/package.json'));
  const source = existsSync(local) ? local : join(packageDir, 'traybin', name);
  if (executable(source)) return false;
  try {
    chmodSync(source, 0o755);
    return false;
  } catch {
    const version = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string }).version;
    const copy = join(cacheDir, version, name);
    mkdirSync(dirname(copy), { recursive: true, mode: 0o700 });
    if (!executable(copy)) {
      copyFileSync(source, copy);
      chmodSync(copy, 0o755);
    }
    return cacheDir;
  }
}

export interface TrayHostOptions {
  readonly initial: TrayView;
  /** The icon file for a state. */
  readonly iconFile: (icon: TrayView['icon']) => string;
  readonly onClick: (id: MenuId) => void;
  /** Where a copy of the helper binary goes when the package folder is read-only. */
  readonly cacheDir: string;
  /** How long the helper gets to say it is ready (it never does without a display). */
  readonly readyTimeoutMs: number;
}

export interface TrayHost {
  /** Sends what changed since the last view. */
  show(view: TrayView): Promise<void>;
  /** Resolves when the helper exits, with what it said last on stderr. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  /** Asks the helper to exit; kills it when it does not. */
  close(): Promise<void>;
}

type TrackedItem = MenuItem & { __id?: number };

function toItem(view: TrayView['items'][number]): TrackedItem {
  return { title: view.title, tooltip: view.tooltip, enabled: view.enabled, checked: false };
}

/** The last lines of the helper's stderr, for error messages (GTK warnings included). */
function stderrTail(lines: string[]): string {
  return lines
    .filter((line) => line.trim() !== '')
    .slice(-5)
    .join('\n');
}

function waitForProcess(tray: SysTray, ms: number): Promise<ChildProcess | undefined> {
  return new Promise((resolve) => {
    const deadline = Date.now() + ms;
    const look = () => {
      if (tray.process) return resolve(tray.process);
      if (Date.now() > deadline) return resolve(undefined);
      setTimeout(look, 5);
    };
    look();
  });
}

export async function openTrayHost(options: TrayHostOptions): Promise<TrayHost> {
  const copyDir = prepareBinary(options.cacheDir);
  const items = new Map<MenuId, TrackedItem>();
  for (const view of options.initial.items) items.set(view.id, toItem(view));
  const iconPath = options.iconFile(options.initial.icon);
  let iconValue: string = iconPath;
  const holder: { tray?: HeldSysTray } = {};
  const tray = new HeldSysTray({
    menu: {
      // systray2 spawns the helper, then reads the icon file, and only then listens for the helper's "ready" line: a
      // helper quicker than that read would never be seen. Reading `icon` is the first thing it does after the spawn,
      // so the helper's output is held from there until systray2 listens.
      get icon() {
        holder.tray?.holdOutputUntilListening();
        return iconValue;
      },
      set icon(value: string) {
        iconValue = value;
      },
      // The title is drawn beside the icon on macOS and in some Linux panels: the icon alone says enough.
      title: '',
      tooltip: options.initial.tooltip,
      items: [...items.values()],
    },
    debug: false,
    copyDir,
  });
  holder.tray = tray;
  const ready = tray.ready();
  ready.catch(() => undefined); // settled below; a late rejection after the timeout must not go unhandled

  const child = await waitForProcess(tray, options.readyTimeoutMs);
  if (!child) throw new TrayUnavailableError(`the tray helper ${binaryName()} did not start`);
  const stderr: string[] = [];
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr.push(...chunk.split('\n'));
    if (stderr.length > 200) stderr.splice(0, stderr.length - 200);
    if (process.env.TOKENOMICS_TRAY_DEBUG) process.stderr.write(chunk);
  });
  // A helper that died leaves a closed pipe behind: writing the menu to it must not crash the tray.
  child.stdin?.on('error', () => undefined);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null) => setImmediate(() => resolve({ code, signal, stderr: stderrTail(stderr) }));
    if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode, child.signalCode);
    else child.once('exit', done);
    child.once('error', () => done(null, null));
  });

  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    ready.then(() => 'ready' as const, (err: Error) => err),
    exited.then((exit) => exit),
    new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), options.readyTimeoutMs))),
  ]);
  clearTimeout(timer);
  if (outcome !== 'ready') {
    if (child.exitCode === null) child.kill('SIGKILL');
    if (outcome === 'timeout') {
      throw new TrayUnavailableError(`the tray helper did not come up within ${Math.round(options.readyTimeoutMs / 1000)} s (is a tray host running?)${stderrTail(stderr) ? `:\n${stderrTail(stderr)}` : ''}`);
    }
    if (outcome instanceof Error) throw new TrayUnavailableError(`the tray helper could not run: ${outcome.message}`);
    const how = outcome.signal ? `was killed by ${outcome.signal}` : `exited with code ${outcome.code}`;
    throw new TrayUnavailableError(`the tray helper ${how} before showing the icon${outcome.stderr ? `:\n${outcome.stderr}` : ''}`);
  }

  const byInternalId = new Map<number, MenuId>();
  for (const [id, item] of items) if (item.__id !== undefined) byInternalId.set(item.__id, id);
  void tray.onClick((event) => {
    const id = byInternalId.get(event.__id);
    if (id) options.onClick(id);
  });

  let last = options.initial;
  // systray2 resolves the icon file asynchronously per action: one action at a time keeps them in order.
  let queue = Promise.resolve();
  const send = (action: Parameters<SysTray['sendAction']>[0]) => {
    queue = queue.then(() => tray.sendAction(action).then(() => undefined), () => undefined);
    return queue;
  };
  const menu = (view: TrayView) => ({ icon: options.iconFile(view.icon), title: '', tooltip: view.tooltip, items: [...items.values()] });

  return {
    exited,
    show(view) {
      const previous = last;
      last = view;
      for (const itemView of view.items) {
        const before = previous.items.find((item) => item.id === itemView.id);
        const item = items.get(itemView.id);
        if (!item || (before && before.title === itemView.title && before.tooltip === itemView.tooltip && before.enabled === itemView.enabled)) continue;
        Object.assign(item, { title: itemView.title, tooltip: itemView.tooltip, enabled: itemView.enabled });
        void send({ type: 'update-item', item });
      }
      if (view.icon !== previous.icon || view.tooltip !== previous.tooltip) {
        void send({ type: 'update-menu', menu: menu(view) });
      }
      return queue;
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await queue;
      void send({ type: 'exit' });
      const gone = await Promise.race([exited.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), 3000).unref())]);
      if (!gone) child.kill('SIGKILL');
    },
  };
}
