// The `tokenomics` command tree: global flags and one module per command group.
import { Command, Option } from 'commander';
import { makeCompletionCommand } from './commands/completion.js';
import { makeConfigCommand } from './commands/config.js';
import { makeDoctorCommand } from './commands/doctor.js';
import { makeInitCommand } from './commands/init.js';
import { makeLedgerCommand } from './commands/ledger.js';
import { makeProviderCommand } from './commands/provider.js';
import { makeRemoteCommand } from './commands/remote.js';
import { makeRunCommand } from './commands/run.js';
import { makeServeCommand } from './commands/serve.js';
import { makeStartCommand } from './commands/start.js';
import { makeStatusCommand } from './commands/status.js';
import { makeStopCommand } from './commands/stop.js';
import { makeTokenCommand } from './commands/token.js';
import { makeTrayCommand } from './commands/tray.js';
import { makeVersionCommand } from './commands/version.js';
import { versionInfo } from './version.js';

export function makeProgram(): Command {
  const program = new Command('tokenomics')
    .description('Personal AI gateway: scoped wrapper tokens, policies, budgets and a usage ledger in front of LLM providers')
    .version(versionInfo().version, '-v, --version', 'print the version number')
    .addOption(new Option('--config <path>', 'config file (default: ./config.yaml, then ~/.tokenomics/config.yaml)'))
    .addOption(new Option('--db <path>', 'token database path (overrides storage.db_path)'))
    .addOption(new Option('--dir <path>', 'base directory for all data (overrides dir; default ~/.tokenomics)'))
    .addHelpText('after', `
Exit codes: 0 success, 1 failure, 2 bad configuration or usage.
Configuration: flags > TOKENOMICS_* environment variables > config file > defaults. See 'tokenomics config show'.`);

  program.addCommand(makeServeCommand());
  program.addCommand(makeStartCommand());
  program.addCommand(makeStopCommand());
  program.addCommand(makeRunCommand());
  program.addCommand(makeInitCommand());
  program.addCommand(makeStatusCommand());
  program.addCommand(makeTokenCommand());
  program.addCommand(makeConfigCommand());
  program.addCommand(makeLedgerCommand());
  program.addCommand(makeProviderCommand());
  program.addCommand(makeRemoteCommand());
  program.addCommand(makeTrayCommand());
  program.addCommand(makeDoctorCommand());
  program.addCommand(makeVersionCommand());
  program.addCommand(makeCompletionCommand(program));
  forEachCommand(program, (command) => command.exitOverride().showHelpAfterError('(run with --help for usage)'));
  return program;
}

/** Commands added with addCommand() do not inherit settings, so apply them to the whole tree. */
function forEachCommand(command: Command, apply: (command: Command) => void): void {
  apply(command);
  for (const sub of command.commands) forEachCommand(sub, apply);
}
