// Stopping the daemon that runs for a {dir}: SIGTERM (it finishes in-flight requests), then SIGKILL if it hangs.
import { rmSync } from 'node:fs';
import { ControlClient } from '../control/client.js';
import { processAlive, readState, stateFilePath } from '../control/state-file.js';

export type StopOutcome =
  | { readonly kind: 'not_running'; readonly stateFile: string }
  | { readonly kind: 'stale'; readonly pid: number; readonly stateFile: string }
  | { readonly kind: 'stopped' | 'killed'; readonly pid: number };

export interface StopOptions {
  /** How long the daemon gets to drain before SIGKILL (its own shutdown is bounded at 10 s). */
  readonly graceMs?: number;
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!processAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !processAlive(pid);
}

export async function stopDaemon(dir: string, options: StopOptions = {}): Promise<StopOutcome> {
  const stateFile = stateFilePath(dir);
  const state = readState(dir);
  if (!state) return { kind: 'not_running', stateFile };
  // The pid is only trusted when the control API behind it answers with the same pid: a pid left by a crashed
  // daemon may belong to another program by now.
  const status = processAlive(state.pid) ? await new ControlClient(state).status().catch(() => undefined) : undefined;
  if (!status || status.pid !== state.pid) {
    rmSync(stateFile, { force: true });
    return { kind: 'stale', pid: state.pid, stateFile };
  }
  process.kill(state.pid, 'SIGTERM');
  if (await waitForExit(state.pid, options.graceMs ?? 15_000)) return { kind: 'stopped', pid: state.pid };
  process.kill(state.pid, 'SIGKILL');
  await waitForExit(state.pid, 2_000);
  rmSync(stateFile, { force: true });
  return { kind: 'killed', pid: state.pid };
}
