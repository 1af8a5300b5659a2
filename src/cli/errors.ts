// Exit codes and the one place that turns an error into a message on stderr.
import { CommanderError } from 'commander';
import { ConfigError } from '../core/config/resolve.js';
import { PolicyError } from '../core/policy/parse.js';
import { ExpiryError } from '../core/tokens/expiry.js';
import { KeyError } from '../daemon/keys/keys.js';
import { ControlError } from '../daemon/control/client.js';
import { DaemonError, TlsError } from '../daemon/errors.js';
import { StoreError } from '../daemon/store/token-store.js';

export const EXIT_FAILURE = 1;
/** Bad configuration or bad usage: the user has something to fix before trying again. */
export const EXIT_USAGE = 2;

/** An expected failure with a message meant for the user. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = EXIT_FAILURE) {
    super(message);
  }
}

const EXPECTED = [CliError, PolicyError, ExpiryError, KeyError, StoreError, DaemonError, TlsError, ControlError];

export function reportError(err: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_USAGE;
  if (err instanceof ConfigError) {
    stderr.write(`Error: ${err.message}\n`);
    return EXIT_USAGE;
  }
  if (EXPECTED.some((type) => err instanceof type)) {
    stderr.write(`Error: ${(err as Error).message}\n`);
    return err instanceof CliError ? err.exitCode : EXIT_FAILURE;
  }
  stderr.write(`Error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  stderr.write('This is a bug in Tokenomics; please report it with the lines above.\n');
  return EXIT_FAILURE;
}
