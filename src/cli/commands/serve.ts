// `tokenomics serve`: run the proxy in the foreground until SIGINT/SIGTERM.
import { Command, Option } from 'commander';
import type { FlagValue } from '../../core/config/resolve.js';
import { removePidFile, writePidFile } from '../../daemon/lifecycle/pid-file.js';
import { loadCommandConfig } from '../context.js';
import { versionInfo } from '../version.js';

interface ServeOptions {
  httpPort?: string;
  httpsPort?: string;
  bind?: string;
  tls?: boolean;
  pidFile?: string;
}

function serveFlags(opts: ServeOptions): FlagValue[] {
  return [
    { path: 'server.http_port', flag: '--http-port', value: opts.httpPort },
    { path: 'server.https_port', flag: '--https-port', value: opts.httpsPort },
    { path: 'server.bind', flag: '--bind', value: opts.bind },
    { path: 'server.tls.enabled', flag: '--no-tls', value: opts.tls === false ? false : undefined },
  ];
}

export function makeServeCommand(): Command {
  return new Command('serve')
    .description('Run the proxy in the foreground (HTTP, HTTPS, /health, /ping, /stats) until Ctrl-C')
    .addOption(new Option('--http-port <port>', 'HTTP listener port, 0 to disable (server.http_port)'))
    .addOption(new Option('--https-port <port>', 'HTTPS listener port (server.https_port)'))
    .addOption(new Option('--bind <address>', 'address to listen on (server.bind; default 127.0.0.1)'))
    .addOption(new Option('--no-tls', 'do not start the HTTPS listener (server.tls.enabled=false)'))
    .addOption(new Option('--pid-file <path>', 'write the process id to this file while running (tokenomics start sets it)'))
    .addHelpText('after', `
Logs go to standard output (logging.level, logging.format); upstream details to {dir}/proxy.log.
The running daemon writes {dir}/daemon.json so that 'tokenomics token …' works while it holds the database.`)
    .action(async (opts: ServeOptions, command: Command) => {
      const loaded = loadCommandConfig(command, serveFlags(opts));
      // Loaded on demand: the server's modules are not needed by the other commands.
      const { startDaemon } = await import('../../daemon/server/daemon.js');
      const daemon = await startDaemon(loaded, { version: versionInfo().version });
      if (opts.pidFile) writePidFile(opts.pidFile);
      await new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void daemon.shutdown(signal).then(() => {
            if (opts.pidFile) removePidFile(opts.pidFile);
            resolve();
          });
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
