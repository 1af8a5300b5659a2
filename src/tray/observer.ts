// One look at the daemon of a {dir} through its local API: daemon.json, then the control API's dashboard document.
// The tray repeats it every few seconds, so it follows a daemon whoever started or stopped it.
import { ControlClient } from '../daemon/control/client.js';
import { processAlive, readState, stateFilePath, type DaemonState } from '../daemon/control/state-file.js';
import type { BudgetGauge, DashboardSnapshot } from '../core/stats/dashboard.js';
import type { DaemonObservation } from './state.js';

/** The proxy URL the tray shows and opens: HTTP when the daemon has it, since a browser does not know the local CA. */
export function proxyUrl(state: Pick<DaemonState, 'http_url' | 'https_url'>): string | undefined {
  return (state.http_url ?? state.https_url)?.replace(/\/+$/, '');
}

/** Budgets are the gauges in tokens or USD; rate limits and parallel slots refill on their own. */
function exhausted(gauge: BudgetGauge): boolean {
  return (gauge.unit === 'tokens' || gauge.unit === 'usd') && gauge.remaining <= 0;
}

export function exhaustedBudgets(snapshot: Pick<DashboardSnapshot, 'budgets'>): string[] {
  return snapshot.budgets.flatMap((token) => token.gauges.filter(exhausted).map((gauge) => `${token.token.slice(0, 8)} ${gauge.label}`));
}

export async function observeDaemon(dir: string): Promise<DaemonObservation> {
  const state = readState(dir);
  if (!state) return { kind: 'stopped' };
  if (!processAlive(state.pid)) {
    return { kind: 'failed', reason: `The proxy (PID ${state.pid}) exited without shutting down (crash or kill)` };
  }
  const url = proxyUrl(state) ?? state.control_url;
  const client = new ControlClient(state);
  try {
    const snapshot = await client.dashboard();
    return {
      kind: 'running',
      pid: state.pid,
      url,
      today: { requests: snapshot.today.requests, cost_usd: snapshot.today.cost_usd },
      exhausted: exhaustedBudgets(snapshot),
    };
  } catch {
    // An older daemon without the dashboard document still answers /status.
  }
  try {
    const status = await client.status();
    if (status.pid === state.pid) return { kind: 'running', pid: state.pid, url, exhausted: [] };
  } catch (err) {
    return { kind: 'failed', reason: `The proxy (PID ${state.pid}) does not answer its control API: ${(err as Error).message}` };
  }
  return { kind: 'failed', reason: `${stateFilePath(dir)} names PID ${state.pid}, but another process answers its control API` };
}
