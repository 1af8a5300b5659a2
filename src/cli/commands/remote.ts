// `tokenomics remote`: run the central config server in the foreground until SIGINT/SIGTERM.
import { Command, Option } from 'commander';
import { loadCommandConfig } from '../context.js';
import { versionInfo } from '../version.js';

interface RemoteOptions {
  addr: string;
  apiKey?: string;
}

export const REMOTE_API_KEY_ENV = 'TOKENOMICS_REMOTE_API_KEY';

export function makeRemoteCommand(): Command {
  return new Command('remote')
    .description('Run the central config server: serves and manages tokens for proxies, pushes token events to registered clients')
    .addOption(new Option('--addr <host:port>', 'address to listen on; a bare :port binds 127.0.0.1 only, use 0.0.0.0:port for all interfaces').default(':9090'))
    .addOption(new Option('--api-key <key>', `API key clients send as "Authorization: Bearer <key>" (default $${REMOTE_API_KEY_ENV}; prefer the variable, flags show in process lists)`))
    .addHelpText('after', `
The server opens the token database (storage.db_path), so no proxy daemon may use the same --dir at the same time.
Plain HTTP only: put it behind a TLS-terminating reverse proxy before exposing it. See docs/remote.md.`)
    .action(async (opts: RemoteOptions, command: Command) => {
      const loaded = loadCommandConfig(command);
      const apiKey = opts.apiKey ?? process.env[REMOTE_API_KEY_ENV] ?? '';
      if (!apiKey) {
        process.stderr.write(
          `WARNING: no API key (--api-key or $${REMOTE_API_KEY_ENV}). The token API is OPEN to anyone who can reach ${opts.addr}:\n` +
            'they can list, create and delete tokens and register clients. Set an API key unless this is a throwaway test.\n',
        );
      }
      // Loaded on demand: the server's modules are not needed by the other commands.
      const { startCentralServer } = await import('../../daemon/remote/central-server.js');
      const server = await startCentralServer({ config: loaded.config, addr: opts.addr, apiKey, version: versionInfo().version });
      process.stdout.write(`Remote config server listening on ${server.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void server.shutdown(signal).then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
