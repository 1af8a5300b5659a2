// `tokenomics start`: run the proxy in the background and print its URL (`export TOKENOMICS_PROXY_URL=$(tokenomics start)`).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { DaemonStartError } from '../../daemon/lifecycle/spawn.js';
import type { LoadedConfig } from '../../daemon/config/load-config.js';
import { startInBackground, type StartOptions } from '../../daemon/lifecycle/start.js';
import { CliError } from '../errors.js';
import { globalArgs, loadCommandConfig, printJson } from '../context.js';

interface StartFlags {
  host?: string;
  port?: string;
  tls?: boolean;
  pidFile?: string;
  logFile?: string;
  json?: boolean;
}

export const CLI_PATH = fileURLToPath(new URL('../main.js', import.meta.url));

/** What `tokenomics start` passes to startInBackground (the dashboard's `s` key starts the daemon the same way). */
export function backgroundStart(command: Command, loaded: LoadedConfig, opts: StartFlags = {}): StartOptions {
  const { config } = loaded;
  const port = opts.port === undefined ? undefined : Number(opts.port);
  return {
    cli: CLI_PATH,
    globalArgs: globalArgs(command),
    dir: config.dir,
    bind: opts.host,
    port,
    tls: opts.tls ?? config.server.tls.enabled,
    pidFile: opts.pidFile ?? join(config.dir, 'tokenomics.pid'),
    logFile: opts.logFile ?? join(config.dir, 'tokenomics.log'),
    appLogFile: config.logging.file.enabled ? config.logging.file.path || join(config.dir, 'tokenomics.log') : undefined,
    env: process.env,
  };
}

export function makeStartCommand(): Command {
  return new Command('start')
    .description('Start the proxy in the background and print its URL on stdout')
    .addOption(new Option('--host <address>', 'address to listen on (server.bind)'))
    .addOption(new Option('--port <port>', 'port of the listener (server.https_port with TLS, server.http_port without)'))
    .addOption(new Option('--tls', 'print the HTTPS URL (server.tls.enabled decides by default)'))
    .addOption(new Option('--no-tls', 'plain HTTP only: no HTTPS listener'))
    .addOption(new Option('--pid-file <path>', 'PID file the daemon keeps while it runs (default {dir}/tokenomics.pid)'))
    .addOption(new Option('--log-file <path>', 'where the daemon writes its output (default {dir}/tokenomics.log)'))
    .option('--json', 'print {status, url, pid, log_file} as JSON')
    .addHelpText('after', `
Prints the proxy URL on stdout, so this works:  export TOKENOMICS_PROXY_URL=$(tokenomics start)
A proxy already running for this --dir is reused. If the proxy cannot start, the reason and the last lines of its
log are printed and the exit code is 1. Stop it with 'tokenomics stop'.`)
    .action(async (opts: StartFlags, command: Command) => {
      const loaded = loadCommandConfig(command);
      const port = opts.port === undefined ? undefined : Number(opts.port);
      if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
        throw new CliError(`invalid --port "${opts.port}": give a port number from 1 to 65535`, 2);
      }
      try {
        const outcome = await startInBackground(backgroundStart(command, loaded, opts));
        if (opts.json) printJson({ status: outcome.kind, url: outcome.url, pid: outcome.pid, log_file: outcome.logFile ?? null });
        else {
          process.stderr.write(
            outcome.kind === 'started'
              ? `Proxy started: ${outcome.url} (PID ${outcome.pid}, log ${outcome.logFile})\n`
              : `Proxy already running: ${outcome.url}. Use 'tokenomics stop' to stop it.\n`,
          );
          process.stdout.write(`${outcome.url}\n`);
        }
      } catch (err) {
        if (err instanceof DaemonStartError) throw new CliError(`could not start the proxy: ${err.message}`, 1);
        throw err;
      }
    });
}
