// The tray app: looks at the daemon every few seconds, shows what it found, and acts on menu clicks. Starting and
// stopping go through the same lifecycle code as `tokenomics start|stop`; the daemon is reached only through its
// local API, so the tray follows it whoever started it and notices when it dies.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyText } from './clipboard.js';
import { missingDisplay, missingTrayHost, TrayUnavailableError } from './display.js';
import { observeDaemon } from './observer.js';
import { trayView, type DaemonObservation, type IconState, type MenuId, type TrayActivity } from './state.js';
import { openTrayHost, type TrayHost } from './systray-host.js';

export interface TrayAppOptions {
  readonly dir: string;
  /** How often to look at the daemon. */
  readonly pollMs: number;
  /** How long the tray helper gets to come up. */
  readonly readyTimeoutMs: number;
  /** Starts the daemon as `tokenomics start` does; resolves with its pid once it answers. */
  readonly start: () => Promise<{ pid: number; started: boolean }>;
  /** Stops the daemon of this {dir} as `tokenomics stop` does. */
  readonly stop: () => Promise<void>;
  /** The `export …` lines for agents (as `tokenomics init` prints them). */
  readonly envExports: () => string;
  /** The daemon's log file (`tokenomics start` writes it). */
  readonly logFile: string;
  /** Opens a URL or file with the desktop's handler (the `open` package). */
  readonly open: (target: string) => Promise<void>;
  /** Lines for the user on the terminal the tray was started from. */
  readonly print: (line: string) => void;
}

const NOTICE_MS = 30_000;
const ASSETS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'assets', 'tray');

/** The icon file for a state: .ico on Windows, a 44 px PNG for Retina menu bars, 22 px for Linux panels. */
export function iconFile(state: IconState, platform: NodeJS.Platform = process.platform): string {
  const name = state.replace('_', '-');
  if (platform === 'win32') return join(ASSETS, `${name}.ico`);
  return join(ASSETS, `${name}-${platform === 'darwin' ? 44 : 22}.png`);
}

function describe(observation: DaemonObservation): string {
  if (observation.kind === 'running') return `running at ${observation.url} (PID ${observation.pid})${observation.exhausted.length ? ', over budget' : ''}`;
  if (observation.kind === 'failed') return `error: ${observation.reason}`;
  return 'stopped';
}

/** Runs the tray until Quit, a signal, or the tray helper going away. Resolves with the exit code. */
export async function runTray(options: TrayAppOptions): Promise<number> {
  const noDisplay = missingDisplay(process.platform, process.env);
  if (noDisplay) throw new TrayUnavailableError(noDisplay);
  const noHost = await missingTrayHost(process.platform, process.env);
  if (noHost) throw new TrayUnavailableError(noHost);

  let observation = await observeDaemon(options.dir);
  let activity: TrayActivity = {};
  let noticeUntil = 0;
  /** The pid of the daemon this tray started, if it still runs: Quit stops that one and only that one. */
  let ownPid: number | undefined;
  let host: TrayHost | undefined;
  let finished = false;
  let resolveExit: (code: number) => void = () => undefined;
  const exitCode = new Promise<number>((resolve) => (resolveExit = resolve));

  const view = () => {
    if (activity.notice && Date.now() > noticeUntil) activity = { ...activity, notice: undefined };
    const ownsDaemon = observation.kind === 'running' && observation.pid === ownPid;
    return trayView(observation, { ...activity, ownsDaemon });
  };
  const render = () => (host && !finished ? host.show(view()) : Promise.resolve());

  let looking: Promise<void> | undefined;
  const look = (): Promise<void> => {
    looking ??= (async () => {
      try {
        const next = await observeDaemon(options.dir);
        if (describe(next) !== describe(observation)) options.print(`Proxy ${describe(next)}`);
        // A notice is about the state it was given in.
        if (next.kind !== observation.kind) activity = { ...activity, notice: undefined };
        observation = next;
        if (next.kind === 'running' && activity.lastError) activity = { ...activity, lastError: undefined };
        await render();
      } finally {
        looking = undefined;
      }
    })();
    return looking;
  };

  /** A look that starts now: one already under way may have begun before what the caller just did. */
  const lookAgain = async (): Promise<void> => {
    await looking?.catch(() => undefined);
    return look();
  };

  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    clearTimeout(timer);
    if (!finished) timer = setTimeout(() => void look().catch(() => undefined).finally(schedule), options.pollMs);
  };

  const notice = (text: string) => {
    options.print(text);
    activity = { ...activity, notice: text };
    noticeUntil = Date.now() + NOTICE_MS;
    void render();
  };

  let toggling = false;
  const toggle = async () => {
    // A double click must not start (or stop) twice: the flag is set before the first await.
    if (toggling) return;
    toggling = true;
    try {
      await toggleOnce();
    } finally {
      toggling = false;
    }
  };
  const toggleOnce = async () => {
    await lookAgain();
    if (observation.kind === 'running') {
      activity = { ...activity, busy: 'stopping', lastError: undefined };
      await render();
      try {
        await options.stop();
        options.print('Stopped the proxy');
      } catch (err) {
        activity = { ...activity, lastError: `could not stop the proxy: ${(err as Error).message}` };
        options.print(`Could not stop the proxy: ${(err as Error).message}`);
      }
    } else {
      activity = { ...activity, busy: 'starting', lastError: undefined };
      await render();
      try {
        const started = await options.start();
        if (started.started) ownPid = started.pid;
      } catch (err) {
        activity = { ...activity, lastError: (err as Error).message };
        options.print(`Could not start the proxy: ${(err as Error).message}`);
      }
    }
    activity = { ...activity, busy: undefined };
    await lookAgain();
  };

  const quit = async (code: number) => {
    if (finished) return;
    clearTimeout(timer);
    if (ownPid !== undefined && observation.kind === 'running' && observation.pid === ownPid) {
      options.print('Stopping the proxy this tray started');
      activity = { ...activity, busy: 'stopping' };
      await render();
      await options.stop().catch((err: Error) => options.print(`Could not stop the proxy: ${err.message}`));
    }
    finished = true;
    await host?.close();
    resolveExit(code);
  };

  const actions: Record<MenuId, (() => Promise<void>) | undefined> = {
    status: undefined,
    detail: undefined,
    sep1: undefined,
    sep2: undefined,
    toggle,
    admin: async () => {
      await lookAgain();
      if (observation.kind !== 'running') return notice('The proxy is not running: start it first');
      const url = `${observation.url}/admin/`;
      options.print(`Opening the admin page: ${url}`);
      await options.open(url);
    },
    env: async () => {
      const outcome = await copyText(options.envExports(), join(options.dir, 'env-exports.sh'));
      notice(outcome.kind === 'clipboard' ? `Env exports copied to the clipboard (${outcome.tool})` : `No clipboard tool found: env exports written to ${outcome.path}`);
    },
    logs: async () => {
      if (!existsSync(options.logFile)) return notice(`No log yet at ${options.logFile}`);
      options.print(`Opening the log: ${options.logFile}`);
      await options.open(options.logFile);
    },
    quit: () => quit(0),
  };

  const onClick = (id: MenuId) => {
    const action = actions[id];
    if (!action || finished) return;
    action().catch((err: Error) => notice(`${id} failed: ${err.message}`));
  };

  host = await openTrayHost({
    initial: view(),
    iconFile: (state) => iconFile(state),
    onClick,
    cacheDir: join(options.dir, 'cache', 'systray2'),
    readyTimeoutMs: options.readyTimeoutMs,
  });
  options.print(`Tray ready for ${options.dir}; proxy ${describe(observation)}`);
  void host.exited.then((exit) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    options.print(`The tray helper ${how}; the tray is gone${exit.stderr ? `:\n${exit.stderr}` : ''}`);
    resolveExit(1);
  });

  const onSignal = () => void quit(0);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  schedule();
  try {
    return await exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
