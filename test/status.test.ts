// `tokenomics status`: the proxy stopped, running and stale; the provider variables by state, never by value; the token
// count through the daemon or the database; and that looking creates nothing (no keys, no database, no {dir}).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StatusReport } from '../src/daemon/lifecycle/status.js';
import { runCli, scratchDir, type CliResult } from './helpers/cli.js';
import { startDaemon, TEST_KEYS, type RunningDaemon } from './helpers/daemon.js';

const scratch = scratchDir();
const home = scratch.path;
const daemons: RunningDaemon[] = [];

afterAll(async () => {
  for (const daemon of daemons) await daemon.stop();
  scratch.cleanup();
});

function status(dir: string, args: readonly string[] = [], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runCli(['--dir', dir, 'status', ...args], { home, env });
}

async function statusJson(dir: string, env: Record<string, string | undefined> = {}): Promise<StatusReport> {
  const result = await status(dir, ['--json'], env);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as StatusReport;
}

describe('tokenomics status without a daemon', () => {
  it('reports stopped, keys not created yet and no tokens, and creates nothing', async () => {
    const dir = join(home, 'fresh', '.tokenomics');
    const result = await status(dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Proxy\n {2}Status: +stopped/);
    expect(result.stdout).toContain('not created yet');
    expect(result.stdout).toMatch(/Tokens\n {2}0 token\(s\) in database/);
    expect(existsSync(dir)).toBe(false);

    const report = await statusJson(dir);
    expect(report.proxy).toEqual({ state: 'stopped', state_file: join(dir, 'daemon.json') });
    expect(report.keys).toMatchObject({ hash: null, encryption: null, in_file: false, daemon: null });
    expect(report.tokens).toEqual({ state: 'counted', count: 0, source: 'no_database' });
    expect(existsSync(dir)).toBe(false);
  });

  it('shows provider variables by state (direct key / proxy token / not set), the base URL, Remote and a masked Token', async () => {
    const dir = join(home, 'vars', '.tokenomics');
    const env = {
      ANTHROPIC_API_KEY: 'sk-ant-very-secret-value',
      OPENAI_API_KEY: 'tkn_wrapper-secret-9f3c',
      GROQ_API_KEY: '',
      GROQ_BASE_URL: 'http://127.0.0.1:7777/v1',
      TOKENOMICS_PROXY_URL: 'https://gateway.example:8443',
      TOKENOMICS_KEY: 'tkn_00000000-1111-2222-3333-44445555abcd',
    };
    const result = await status(dir, [], env);
    expect(result.code, result.stderr).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/ {2}anthropic\n {4}ANTHROPIC_API_KEY +set \(direct key\)\n {4}ANTHROPIC_BASE_URL +not set \(will use provider default\)\n/);
    expect(out).toMatch(/ {2}openai\n {4}OPENAI_API_KEY +proxy token\n/);
    expect(out).toMatch(/ {2}groq\n {4}GROQ_API_KEY +not set\n {4}GROQ_BASE_URL +http:\/\/127\.0\.0\.1:7777\/v1\n/);
    expect(out).toMatch(/Remote: +https:\/\/gateway\.example:8443/);
    expect(out).toMatch(/Token: +tkn_…abcd/);

    const json = await status(dir, ['--json'], env);
    for (const text of [out, result.stderr, json.stdout, json.stderr]) {
      expect(text).not.toContain('very-secret');
      expect(text).not.toContain('wrapper-secret');
      expect(text).not.toContain('44445555abcd');
    }
    const report = JSON.parse(json.stdout) as StatusReport;
    const byName = new Map(report.providers.map((p) => [p.provider, p]));
    expect(byName.get('anthropic')).toEqual({
      provider: 'anthropic', key_env: 'ANTHROPIC_API_KEY', key: 'direct_key', base_url_env: 'ANTHROPIC_BASE_URL', base_url: null,
    });
    expect(byName.get('openai')?.key).toBe('proxy_token');
    expect(byName.get('groq')).toMatchObject({ key: 'not_set', base_url: 'http://127.0.0.1:7777/v1' });
    expect(report.remote).toBe('https://gateway.example:8443');
    expect(report.token).toBe('tkn_…abcd');
  });

  it('keys in the fallback file (no keychain here): named with a warning; tokens counted from the database', async () => {
    const dir = join(home, 'file-keys', '.tokenomics');
    const created = await runCli(['--dir', dir, 'token', 'create', '--policy', '{"base_key_env":"X"}'], { home });
    expect(created.code, created.stderr).toBe(0);
    const result = await status(dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Backend:  file ${join(dir, 'secrets', 'keys.json')}`);
    expect(result.stdout).toMatch(/Warning: +no OS keychain/);
    expect(result.stdout).toMatch(/Tokens\n {2}1 token\(s\) in database\n/);
    const report = await statusJson(dir);
    expect(report.keys).toMatchObject({ hash: { kind: 'file' }, encryption: { kind: 'file' }, in_file: true });
    expect(report.tokens).toEqual({ state: 'counted', count: 1, source: 'database' });
  });

  it('a stale daemon.json (the pid of a dead process) is reported, not trusted and not removed', async () => {
    const dir = join(home, 'stale', '.tokenomics');
    mkdirSync(dir, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const pid = Number(dead.stdout);
    const stateFile = join(dir, 'daemon.json');
    writeFileSync(stateFile, JSON.stringify({
      pid, version: '0.0.0', started_at: '2024-01-01T00:00:00Z', control_url: 'http://127.0.0.1:1', control_secret: 'x',
      http_url: 'http://127.0.0.1:1', db_path: join(dir, 'tokenomics.db'),
    }));
    const result = await status(dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`Status: +stopped: stale .*daemon\\.json \\(PID ${pid} is not running\\)`));
    expect(result.stdout).not.toContain('running (PID');
    const report = await statusJson(dir);
    expect(report.proxy).toMatchObject({ state: 'stale', pid, state_file: stateFile });
    expect(existsSync(stateFile)).toBe(true);
  });
});

describe('tokenomics status with a running daemon', () => {
  it('shows running with PID, URLs, start time and version, and counts tokens through the daemon, then the database', async () => {
    const dir = join(home, 'running', '.tokenomics');
    const daemon = await startDaemon({ home, dir, tls: true });
    daemons.push(daemon);
    for (let i = 0; i < 2; i++) {
      const created = await runCli(['--dir', dir, 'token', 'create', '--policy', '{"base_key_env":"X"}', '--json'], { home, env: TEST_KEYS });
      expect(created.code, created.stderr).toBe(0);
    }

    const result = await status(dir, [], TEST_KEYS);
    expect(result.code, result.stderr).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(new RegExp(`Status: +running \\(PID ${daemon.child.pid}\\)`));
    expect(out).toContain(daemon.url);
    expect(out).toContain(daemon.httpsUrl!);
    expect(out).toContain(daemon.state.ca_file!);
    expect(out).toMatch(/Version: +\d+\.\d+\.\d+/);
    expect(out).toMatch(/Backend: +hash key from \$TOKENOMICS_HASH_KEY; encryption key from \$TOKENOMICS_ENCRYPTION_KEY/);
    expect(out).toMatch(/Tokens\n {2}2 token\(s\) in database\n/);

    const report = await statusJson(dir, TEST_KEYS);
    expect(report.proxy).toMatchObject({
      state: 'running', pid: daemon.child.pid, http_url: daemon.url, https_url: daemon.httpsUrl, ca_file: daemon.state.ca_file,
    });
    if (report.proxy.state === 'running') expect(Date.parse(report.proxy.started_at)).not.toBeNaN();
    expect(report.keys).toMatchObject({ hash: { kind: 'env', variable: 'TOKENOMICS_HASH_KEY' }, daemon: expect.stringContaining('TOKENOMICS_HASH_KEY') });
    expect(report.tokens).toEqual({ state: 'counted', count: 2, source: 'daemon' });

    await daemon.stop();
    const stopped = await statusJson(dir, TEST_KEYS);
    expect(stopped.proxy.state).toBe('stopped');
    expect(stopped.tokens).toEqual({ state: 'counted', count: 2, source: 'database' });

    // Keys that do not match the database: the report says so instead of failing.
    const wrongKeys = await status(dir, [], { TOKENOMICS_HASH_KEY: 'other', TOKENOMICS_ENCRYPTION_KEY: 'other' });
    expect(wrongKeys.code, wrongKeys.stderr).toBe(0);
    expect(wrongKeys.stdout).toMatch(/Tokens\n {2}\(could not open database\)\n/);
    // Without the keys at all: nothing is generated for the sake of a report.
    const noKeys = await statusJson(dir);
    expect(noKeys.tokens.state).toBe('error');
    expect(existsSync(join(dir, 'secrets', 'keys.json'))).toBe(false);
  });
});
