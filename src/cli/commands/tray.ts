// `tokenomics tray`: the tray icon that shows, starts and stops the proxy of this --dir and opens its admin page;
// `--install-autostart` / `--remove-autostart` manage the login entry that starts it.
import { homedir } from 'node:os';
import { Command, Option } from 'commander';
import { DaemonStartError } from '../../daemon/lifecycle/spawn.js';
import { startInBackground } from '../../daemon/lifecycle/start.js';
import { stopDaemon } from '../../daemon/lifecycle/stop.js';
import { CliError, EXIT_USAGE } from '../errors.js';
import { globalArgs, loadCommandConfig } from '../context.js';
import { gatewayEnv, shellQuote } from './init.js';
import { backgroundStart, CLI_PATH } from './start.js';

interface TrayFlags {
  pollInterval?: string;
  readyTimeout?: string;
  provider?: string;
  installAutostart?: boolean;
  removeAutostart?: boolean;
}

const DEFAULT_POLL_MS = 3000;
const DEFAULT_READY_TIMEOUT_MS = 8000;
/** Stands for the wrapper token while the pairs are built; written out as a reference to $TOKENOMICS_KEY. */
const TOKEN_PLACEHOLDER = 'tkn_placeholder_for_TOKENOMICS_KEY';

function milliseconds(flag: string, given: string | undefined, fallback: number): number {
  if (given === undefined || given === '') return fallback;
  const value = Number(given);
  if (!Number.isInteger(value) || value < 100 || value > 3_600_000) {
    throw new CliError(`invalid ${flag} "${given}": give a whole number of milliseconds from 100 to 3600000`, EXIT_USAGE);
  }
  return value;
}

export function makeTrayCommand(): Command {
  return new Command('tray')
    .description('Tray icon: shows whether the proxy runs, starts and stops it, opens the admin page')
    .addOption(new Option('--poll-interval <ms>', 'how often to look at the proxy (default $TOKENOMICS_TRAY_POLL_MS, else 3000)'))
    .addOption(new Option('--ready-timeout <ms>', 'how long the tray helper gets to show the icon (default 8000)'))
    .addOption(new Option('--provider <name>', "whose variables 'Copy env exports' gives, or 'all' (default: default_provider, as init)"))
    .option('--install-autostart', 'start the tray at login (XDG autostart on Linux, LaunchAgent on macOS, Startup folder on Windows) and exit')
    .option('--remove-autostart', 'remove that login entry and exit')
    .addHelpText('after', `
Menu: status (URL, today's requests and USD), Start/Stop proxy, Open admin page (the URL is printed too), Copy env
exports (export lines naming $TOKENOMICS_KEY, onto the clipboard with xclip, xsel, wl-copy, pbcopy or clip, else into
{dir}/env-exports.sh), View logs ({dir}/tokenomics.log), Quit. Icon: running, stopped, error, over budget.
The tray follows the proxy of this --dir whoever started it. Quit stops the proxy only if this tray started it.
Needs a desktop session: without DISPLAY or WAYLAND_DISPLAY (Linux), or when the tray helper cannot show the icon,
it says why and exits with code 1. See docs/tray.md.`)
    .action(async (opts: TrayFlags, command: Command) => {
      if (opts.installAutostart && opts.removeAutostart) throw new CliError('--install-autostart and --remove-autostart exclude each other', EXIT_USAGE);
      const pollSource = opts.pollInterval !== undefined ? '--poll-interval' : 'TOKENOMICS_TRAY_POLL_MS';
      const pollMs = milliseconds(pollSource, opts.pollInterval ?? process.env.TOKENOMICS_TRAY_POLL_MS, DEFAULT_POLL_MS);
      const readyTimeoutMs = milliseconds('--ready-timeout', opts.readyTimeout, DEFAULT_READY_TIMEOUT_MS);
      const loaded = loadCommandConfig(command);

      if (opts.installAutostart || opts.removeAutostart) {
        const { installAutostart, removeAutostart } = await import('../../tray/autostart.js');
        const target = { platform: process.platform, env: process.env, home: homedir(), command: [process.execPath, CLI_PATH, ...globalArgs(command), 'tray'] };
        if (opts.installAutostart) {
          const entry = installAutostart(target);
          process.stdout.write(`Autostart entry written: ${entry.path}\n`);
        } else {
          const outcome = removeAutostart(target);
          process.stdout.write(outcome.removed ? `Autostart entry removed: ${outcome.path}\n` : `No autostart entry at ${outcome.path}\n`);
        }
        return;
      }

      const [{ runTray }, { TrayUnavailableError }, { default: open }] = await Promise.all([
        import('../../tray/app.js'),
        import('../../tray/display.js'),
        import('open'),
      ]);
      const startOptions = backgroundStart(command, loaded);
      const dir = loaded.config.dir;
      try {
        process.exitCode = await runTray({
          dir,
          pollMs,
          readyTimeoutMs,
          logFile: startOptions.logFile,
          start: async () => {
            try {
              const outcome = await startInBackground(startOptions);
              process.stdout.write(`${outcome.kind === 'started' ? 'Started' : 'Found'} the proxy: ${outcome.url} (PID ${outcome.pid})\n`);
              return { pid: outcome.pid, started: outcome.kind === 'started' };
            } catch (err) {
              throw err instanceof DaemonStartError ? new Error(err.message.split('\n')[0]) : err;
            }
          },
          stop: async () => {
            await stopDaemon(dir);
          },
          envExports: () => {
            const { pairs } = gatewayEnv(loaded, '', { provider: opts.provider, token: TOKEN_PLACEHOLDER });
            const lines = pairs.map(([name, value]) => `export ${name}=${value === TOKEN_PLACEHOLDER ? '"$TOKENOMICS_KEY"' : shellQuote(value)}`);
            return [
              '# Tokenomics: point agents at the gateway. Set your wrapper token first:',
              '#   export TOKENOMICS_KEY=tkn_...   (create one with: tokenomics token create)',
              ...lines,
              '',
            ].join('\n');
          },
          open: async (target) => {
            await open(target);
          },
          print: (line) => process.stdout.write(`${line}\n`),
        });
      } catch (err) {
        if (err instanceof TrayUnavailableError) throw new CliError(`cannot show the tray: ${err.message}`, 1);
        throw err;
      }
    });
}
