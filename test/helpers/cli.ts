// Runs the built `tokenomics` CLI as a child process with an isolated HOME and no keychain session.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recordOutput, recordSecrets, runRoot } from './run-root.js';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly env?: Record<string, string | undefined>;
  readonly cwd?: string;
  readonly input?: string;
}

/**
 * A scratch directory for one test file; removed by the returned cleanup. In a full run (`npm test`) it lives under
 * the run root and stays until the secret scan at the end has read it.
 */
export function scratchDir(prefix = 'tokenomics-test-'): { path: string; cleanup: () => void } {
  const root = runRoot();
  if (root) return { path: mkdtempSync(join(root, prefix)), cleanup: () => undefined };
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** The environment a test child starts from: no TOKENOMICS_* or keychain variables leak in from the runner. */
export function baseEnv(home: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith('TOKENOMICS_') || k === 'DBUS_SESSION_BUS_ADDRESS') continue;
    env[k] = v;
  }
  env.HOME = home;
  return env;
}

export function runCli(args: readonly string[], options: CliOptions & { home: string }): Promise<CliResult> {
  mkdirSync(options.cwd ?? options.home, { recursive: true });
  return new Promise((resolve, reject) => {
    const env = { ...baseEnv(options.home), ...options.env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    recordSecrets(options.env ?? {});
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd ?? options.home, env: env as NodeJS.ProcessEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      // `token create` prints the raw token once, by design.
      recordOutput('cli', `${stdout}\n${stderr}`, args.includes('create'));
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
