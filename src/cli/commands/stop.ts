// `tokenomics stop`: stop the daemon that runs for this --dir.
import { Command } from 'commander';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from '../../daemon/control/state-file.js';
import { readPidFile } from '../../daemon/lifecycle/pid-file.js';
import { stopDaemon, type StopOutcome } from '../../daemon/lifecycle/stop.js';
import { loadCommandConfig, printJson } from '../context.js';

function describe(outcome: StopOutcome): string {
  switch (outcome.kind) {
    case 'not_running':
      return `Proxy not running (no ${outcome.stateFile})`;
    case 'stale':
      return `Proxy not running (removed the stale ${outcome.stateFile} left by PID ${outcome.pid})`;
    case 'stopped':
      return `Proxy stopped (PID ${outcome.pid})`;
    case 'killed':
      return `Proxy killed (PID ${outcome.pid}): it did not finish its shutdown in time`;
  }
}

export function makeStopCommand(): Command {
  return new Command('stop')
    .description('Stop the running proxy for this --dir (in-flight requests finish first)')
    .option('--json', 'print the outcome as JSON')
    .option('--pid-file <path>', "the PID file 'tokenomics start' wrote (default {dir}/tokenomics.pid): removed when stale")
    .addHelpText('after', `
The daemon is found through {dir}/daemon.json and confirmed through its control API before it is signalled.
It gets 15 s to finish in-flight requests, then it is killed. Exit code 0 whether or not a proxy was running.`)
    .action(async (opts: { json?: boolean; pidFile?: string }, command: Command) => {
      const loaded = loadCommandConfig(command);
      const outcome = await stopDaemon(loaded.config.dir);
      // The daemon removes its PID file when it stops; one left by a crash goes now.
      const pidFile = opts.pidFile ?? join(loaded.config.dir, 'tokenomics.pid');
      const recorded = readPidFile(pidFile);
      if (recorded !== undefined && !processAlive(recorded)) rmSync(pidFile, { force: true });
      if (opts.json) printJson(outcome);
      else process.stderr.write(`${describe(outcome)}\n`);
    });
}
