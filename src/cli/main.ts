#!/usr/bin/env node
// Entry point of the `tokenomics` command.
import { makeProgram } from './program.js';
import { reportError } from './errors.js';

// Everything Tokenomics writes (keys, databases, ledgers) is the user's alone.
process.umask(0o077);

const program = makeProgram().exitOverride();
try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = reportError(err);
}
