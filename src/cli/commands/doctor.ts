// `tokenomics doctor`: checks the installation (config, database, keys, provider keys, TLS, ports, the daemon,
// Redis, the ledger, remote sync) and prints one line per check. The checks live in daemon/lifecycle/doctor-checks.ts.
import { Command } from 'commander';
import type { Check, CheckStatus } from '../../daemon/lifecycle/doctor-checks.js';
import { EXIT_FAILURE, EXIT_USAGE } from '../errors.js';
import { globalFlags, printJson, type GlobalOptions } from '../context.js';

const MARKERS: Record<CheckStatus, string> = { ok: '[ok]  ', warn: '[!!]  ', fail: '[FAIL]' };

function summary(failed: number, warnings: number): string {
  if (failed) return `${failed} check(s) failed, ${warnings} warning(s)`;
  return warnings ? `All checks passed with ${warnings} warning(s)` : 'All checks passed';
}

function checkLine(check: Check): string {
  return `${MARKERS[check.status]} ${check.name.padEnd(18)} ${check.detail}`;
}

export function makeDoctorCommand(): Command {
  return new Command('doctor')
    .description('Check the installation: config, database, keys, provider keys, TLS, ports, proxy, Redis, ledger')
    .option('--json', 'print {"checks":[{"name","status","detail"}],"failed","warnings"} as JSON')
    .addHelpText('after', `
Markers: [ok], [!!] (a warning: works, but worth a look), [FAIL] (something to fix; the line says what).
Exit code 0 when no check fails (warnings included), 1 when one fails, 2 when the configuration cannot be loaded.`)
    .action(async (opts: { json?: boolean }, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const { runDoctor } = await import('../../daemon/lifecycle/doctor-checks.js'); // heavy: loaded only for doctor
      const report = await runDoctor({ configPath: options.config, flags: globalFlags(options) });
      const failed = report.checks.filter((c) => c.status === 'fail').length;
      const warnings = report.checks.filter((c) => c.status === 'warn').length;
      if (opts.json) printJson({ checks: report.checks, failed, warnings });
      else process.stdout.write(`${report.checks.map(checkLine).join('\n')}\n\n${summary(failed, warnings)}\n`);
      if (report.configFailed) process.exitCode = EXIT_USAGE;
      else if (failed) process.exitCode = EXIT_FAILURE;
    });
}
