// One folder for everything a test run leaves behind, so the secret scan that runs after the suite sees all of it:
// scratch dirs, the daemons' output, CLI output, the API responses the tests received, and the secret values the
// tests handed to daemons and CLIs. `scripts/test.mjs` sets TOKENOMICS_TEST_RUN_ROOT; without it (a single test
// file run by hand) nothing is recorded and scratch dirs are removed as before.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const RUN_ROOT_VARIABLE = 'TOKENOMICS_TEST_RUN_ROOT';

export function runRoot(): string | undefined {
  return process.env[RUN_ROOT_VARIABLE] || undefined;
}

let sequence = 0;

/** A file name unique within the run: the worker's pid and a counter. */
function uniqueName(ext: string): string {
  sequence += 1;
  return `${process.pid}-${sequence}${ext}`;
}

/** Subfolders of the run root the scan treats specially. */
export const RECORD = { secrets: 'recorded-secrets', responses: 'responses', output: 'output' } as const;

/** Writes text produced during the run (a daemon's or CLI's output) where the scan reads it. */
export function recordOutput(kind: string, text: string, allowsRawToken = false): void {
  const root = runRoot();
  if (!root || !text) return;
  const folder = join(root, RECORD.output);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, uniqueName(`.${kind}${allowsRawToken ? '.create' : ''}.log`)), text);
}

/** Appends one received API response (a token-create answer is allowed to hold the raw token once). */
export function recordResponse(line: string, body: string, allowsRawToken: boolean): void {
  const root = runRoot();
  if (!root) return;
  const folder = join(root, RECORD.responses);
  mkdirSync(folder, { recursive: true });
  appendFileSync(join(folder, `${process.pid}${allowsRawToken ? '.create' : ''}.log`), `=== ${line}\n${body}\n`);
}

/** Names of environment variables whose values are secrets the suite must never find written anywhere. */
const SECRET_NAME = /(^|_)(KEY|SECRET|PASSWORD|API_KEY|SIGNING_KEY|TOKEN)$/;

/** Remembers the secret values in an environment handed to a daemon or CLI. */
export function recordSecrets(env: Record<string, string | undefined>): void {
  const root = runRoot();
  if (!root) return;
  const values = Object.entries(env)
    // A wrapper token handed to `run` or `init` is theirs to pass on to the agent; raw tokens are found by their pattern.
    .filter(([name, value]) => SECRET_NAME.test(name) && typeof value === 'string' && value.length >= 8 && !value.startsWith('tkn_') && !name.startsWith('npm_'))
    .map(([, value]) => value!);
  if (!values.length) return;
  const folder = join(root, RECORD.secrets);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, uniqueName('.json')), JSON.stringify(values));
}
