// The secret scan: reads every file a test run left under its run root as bytes (logs, ledger journals and session
// files, memory markdown, LevelDB files, daemon and CLI output, received API responses) and reports each place a
// known secret value or a raw wrapper token appears. Known secrets: the values the tests handed to daemons and CLIs
// in variables named like keys, secrets and passwords, plus those written into the tests' own config files.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { parse } from 'yaml';
import { RECORD } from './run-root.js';

export interface Finding {
  readonly file: string;
  readonly what: string;
}

/** A raw wrapper token: `tkn_` + a UUID (the test suite's bogus ones included). */
export const RAW_TOKEN = /tkn_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
/** Keys whose values in a config file are secrets. */
const SECRET_FIELDS = /^(secret|signing_key|password|api_key)$/;

function walk(folder: string, files: string[] = []): string[] {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) walk(path, files);
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

/** Inputs the tests wrote themselves: the user's own configuration may hold secrets by design. */
function isTestInput(path: string): boolean {
  return /(^|\/)(\.env|[^/]*\.ya?ml)$/.test(path);
}

function secretsInConfig(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) for (const item of value) secretsInConfig(item, into);
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (SECRET_FIELDS.test(key) && typeof inner === 'string' && inner.length >= 8 && !inner.startsWith('${')) into.add(inner);
      else secretsInConfig(inner, into);
    }
  }
}

/** Every secret value the run used. */
export function knownSecrets(root: string, files: readonly string[]): string[] {
  const secrets = new Set<string>();
  for (const file of files) {
    if (file.startsWith(join(root, RECORD.secrets))) {
      for (const value of JSON.parse(readFileSync(file, 'utf8')) as string[]) secrets.add(value);
    } else if (/\.ya?ml$/.test(file)) {
      try {
        secretsInConfig(parse(readFileSync(file, 'utf8')), secrets);
      } catch {
        // A deliberately broken config file: it holds no secret the daemon could have used.
      }
    }
  }
  return [...secrets];
}

/** Scans the run root; `extraSecrets` lets the scanner's own test plant values. */
export function scanRunRoot(root: string, extraSecrets: readonly string[] = []): { findings: Finding[]; filesScanned: number; secrets: number } {
  const files = walk(root);
  const secrets = [...knownSecrets(root, files), ...extraSecrets].map((value) => ({ value, bytes: Buffer.from(value) }));
  const findings: Finding[] = [];
  let filesScanned = 0;
  for (const file of files) {
    if (file.startsWith(join(root, RECORD.secrets)) || isTestInput(file)) continue;
    if (statSync(file).size === 0) continue;
    const bytes = readFileSync(file);
    filesScanned += 1;
    const name = relative(root, file);
    for (const secret of secrets) {
      if (bytes.includes(secret.bytes)) findings.push({ file: name, what: `secret value ${secret.value.slice(0, 4)}… (${secret.value.length} chars)` });
    }
    // Token-create answers carry the raw token once, by design (recorded as `*.create.log`; the keychain test keeps
    // its create output as `create.out`); everywhere else it must not appear.
    if (!/(^|[./])create\.(log|out)$/.test(basename(file))) {
      const match = RAW_TOKEN.exec(bytes.toString('latin1'));
      if (match) findings.push({ file: name, what: `raw wrapper token ${match[0].slice(0, 12)}…` });
    }
  }
  return { findings, filesScanned, secrets: secrets.length };
}
