// The dashboard fed by the running daemon: one fetch of GET /dashboard, then a refetch each time GET /events says a
// request finished (coalesced: at most one fetch in flight), plus a slow refresh for budget windows and changes made
// elsewhere. With no daemon it shows the plain report's view of things and looks again every few seconds.
import { ControlClient } from '../daemon/control/client.js';
import { processAlive, readState } from '../daemon/control/state-file.js';
import type { StatusReport } from '../daemon/lifecycle/status.js';
import type { DashboardData, DashboardSource } from './source.js';

export interface DaemonSourceOptions {
  readonly dir: string;
  /** The plain report (`gatherStatus`), for what to say when no daemon runs. */
  readonly gather: () => Promise<StatusReport>;
  /** Starts the daemon as `tokenomics start` does. */
  readonly start?: () => Promise<void>;
  /** Refresh while connected even without requests (reset times, tokens changed elsewhere). Default 10 s. */
  readonly refreshMs?: number;
  /** How often to look for a daemon while none runs. Default 2 s. */
  readonly retryMs?: number;
}

/** Under a burst of requests, fetches follow each other at most this often (each one reads today's ledger). */
const MIN_FETCH_GAP_MS = 250;

function stoppedData(report: StatusReport): DashboardData {
  const proxy = report.proxy;
  const reason =
    proxy.state === 'stale'
      ? `${proxy.state_file} is stale (${proxy.reason}).`
      : proxy.state === 'stopped'
        ? `No daemon runs for ${report.dir}.`
        : `The daemon (PID ${proxy.pid}) does not answer yet.`;
  const tokens = report.tokens.state === 'counted' ? String(report.tokens.count) : 'unknown';
  return { state: 'stopped', reason, keys: report.keys.description, tokens };
}

export function daemonSource(options: DaemonSourceOptions): DashboardSource {
  const refreshMs = options.refreshMs ?? 10_000;
  const retryMs = options.retryMs ?? 2_000;
  let emit: (data: DashboardData) => void = () => undefined;
  let closed = false;
  let session: AbortController | undefined;
  let timer: NodeJS.Timeout | undefined;

  const later = (fn: () => void, ms: number) => {
    clearTimeout(timer);
    if (!closed) timer = setTimeout(fn, ms);
  };

  /** Follows one daemon until its event stream ends; then looks again. */
  const follow = async (client: ControlClient): Promise<void> => {
    const abort = (session = new AbortController());
    let live = false;
    let inFlight = false;
    let pending = false;
    const refresh = async (): Promise<void> => {
      if (inFlight) {
        pending = true;
        return;
      }
      inFlight = true;
      try {
        for (;;) {
          pending = false;
          const snapshot = await client.dashboard();
          if (!abort.signal.aborted) emit({ state: 'running', snapshot, live });
          if (!pending || abort.signal.aborted) break;
          await new Promise((resolve) => setTimeout(resolve, MIN_FETCH_GAP_MS));
        }
      } finally {
        inFlight = false;
      }
    };
    await refresh();
    const tick = setInterval(() => void refresh().catch(() => undefined), refreshMs);
    try {
      const stream = client.events(() => void refresh().catch(() => undefined), abort.signal);
      live = true;
      await refresh();
      try {
        await stream;
      } catch {
        // no event stream (an older daemon): poll once a second until the daemon goes away
        live = false;
        while (!abort.signal.aborted) {
          await new Promise((resolve) => setTimeout(resolve, 1000));
          await refresh();
        }
      }
    } finally {
      clearInterval(tick);
    }
  };

  // One look at a time: a look asked for while one runs (the `s` key) runs right after it.
  let looking: Promise<void> | undefined;
  let again = false;
  const kick = (): void => {
    if (looking) {
      again = true;
      return;
    }
    looking = look().finally(() => {
      looking = undefined;
      if (again && !closed) {
        again = false;
        clearTimeout(timer);
        kick();
      }
    });
  };

  const look = async (): Promise<void> => {
    if (closed) return;
    const state = readState(options.dir);
    if (state && processAlive(state.pid)) {
      try {
        await follow(new ControlClient(state));
      } catch {
        // the daemon went away or is not ready yet: fall through and look again
      }
      if (closed) return;
    }
    try {
      emit(stoppedData(await options.gather()));
    } catch (err) {
      emit({ state: 'error', message: (err as Error).message });
    }
    later(kick, retryMs);
  };

  return {
    connect(onData) {
      emit = onData;
      kick();
      return () => {
        closed = true;
        clearTimeout(timer);
        session?.abort();
      };
    },
    ...(options.start
      ? {
          start: async () => {
            emit({ state: 'starting' });
            clearTimeout(timer);
            try {
              await options.start!();
            } finally {
              kick();
            }
          },
        }
      : {}),
  };
}
