// `tokenomics doctor` through the built CLI: a clean directory, a damaged config, taken ports, a running daemon,
// Redis, TLS certificates near or past their end, a locked database, and the JSON report.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import forge from 'node-forge';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';
import { freePort, startDaemon, TEST_KEYS, type RunningDaemon } from './helpers/daemon.js';

const scratch = scratchDir();
const home = scratch.path;
const daemons: RunningDaemon[] = [];
const servers: Server[] = [];
let redis: ChildProcess | undefined;
const hasRedis = spawnSync('redis-server', ['--version']).status === 0 || Boolean(process.env.CI);

afterAll(async () => {
  for (const daemon of daemons) await daemon.stop();
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  redis?.kill('SIGKILL');
  scratch.cleanup();
});

interface DoctorJson {
  checks: Array<{ name: string; status: 'ok' | 'warn' | 'fail'; detail: string }>;
  failed: number;
  warnings: number;
}

/** doctor on its own {dir}, with keys from the environment and ports nobody uses unless the test says otherwise. */
async function doctor(name: string, args: string[] = [], env: Record<string, string | undefined> = {}, cwd = home) {
  const ports = { TOKENOMICS_SERVER_HTTP_PORT: String(await freePort()), TOKENOMICS_SERVER_HTTPS_PORT: String(await freePort()) };
  return runCli(['--dir', join(home, name), 'doctor', ...args], { home, cwd, env: { ...TEST_KEYS, ...ports, ...env } });
}

/** The report line of one check: `<marker> <name padded to 18> <detail>`. */
function line(stdout: string, check: string): string {
  const found = stdout.split('\n').find((l) => l.slice(7).startsWith(`${check.padEnd(18)} `));
  if (!found) throw new Error(`no "${check}" line in:\n${stdout}`);
  return found;
}

function listen(port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    // A program that accepts connections and hangs up at once: enough to hold the port.
    const server = createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      servers.push(server);
      resolve(server);
    });
  });
}

/** A self-signed certificate ending `days` from now, written as the generated CA and server certificate. */
function writeCerts(certDir: string, days: number): void {
  mkdirSync(certDir, { recursive: true });
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 400 * 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + days * 86_400_000);
  const subject = [{ name: 'commonName', value: 'localhost' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.sign(forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  const pem = forge.pki.certificateToPem(cert);
  writeFileSync(join(certDir, 'ca.crt'), pem);
  writeFileSync(join(certDir, 'server.crt'), pem);
  writeFileSync(join(certDir, 'server.key'), privateKey);
}

describe('doctor', () => {
  it('passes on a clean directory: every check listed, exit 0', async () => {
    const result = await doctor('clean');
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const dir = join(home, 'clean');
    expect(line(result.stdout, 'config file')).toMatch(/^\[ok\] {3}config file {8}none \(looked for .*config\.yaml/);
    expect(line(result.stdout, 'config parse')).toBe(`[ok]   config parse       config loaded successfully (dir ${dir})`);
    expect(line(result.stdout, 'database')).toBe(`[ok]   database           ${join(dir, 'tokenomics.db')} does not exist yet (created on first start, with ${dir})`);
    expect(line(result.stdout, 'key backend')).toBe('[ok]   key backend        hash key from $TOKENOMICS_HASH_KEY; encryption key from $TOKENOMICS_ENCRYPTION_KEY');
    expect(line(result.stdout, 'provider keys')).toMatch(/^\[(ok\] {3}|!!\] {3})provider keys {6}\d+ configured/);
    expect(line(result.stdout, 'tls')).toBe(`[ok]   tls                auto_gen: a CA and server certificate will be created in ${join(dir, 'certs')} on first start`);
    expect(line(result.stdout, 'http port')).toMatch(/^\[ok\] {3}http port {10}127\.0\.0\.1:\d+ free$/);
    expect(line(result.stdout, 'https port')).toMatch(/^\[ok\] {3}https port {9}127\.0\.0\.1:\d+ free$/);
    expect(line(result.stdout, 'proxy status')).toBe('[ok]   proxy status       not running');
    expect(line(result.stdout, 'ledger')).toBe(`[ok]   ledger             ${join(dir, 'sessions')} will be created on the first request`);
    expect(result.stdout).toMatch(/\n\nAll checks passed( with \d+ warning\(s\))?\n$/);
    expect(result.stdout).not.toContain('remote sync');
    expect(result.stdout).not.toContain('redis');
  });

  it('names provider keys that are set, never their values', async () => {
    const result = await doctor('providers', [], { OPENAI_API_KEY: 'sk-doctor-secret', TOKENOMICS_DEFAULT_PROVIDER: 'anthropic' });
    expect(line(result.stdout, 'provider keys')).toMatch(/^\[!!\] {3}provider keys {6}\d+ configured \([^)]*openai[^)]*\), 1 need no key \(ollama\), \d+ without a key; \$ANTHROPIC_API_KEY of the default provider anthropic is not set$/);
    expect(result.stdout + result.stderr).not.toContain('sk-doctor-secret');
    const ok = await doctor('providers', [], { OPENAI_API_KEY: 'sk-doctor-secret', TOKENOMICS_DEFAULT_PROVIDER: 'openai' });
    expect(line(ok.stdout, 'provider keys')).toMatch(/^\[ok\] {3}provider keys {6}/);
  });

  it('warns when the keys would live in (or already live in) a plain file', async () => {
    const env = { TOKENOMICS_HASH_KEY: undefined, TOKENOMICS_ENCRYPTION_KEY: undefined };
    const fresh = await doctor('filekeys', [], env);
    expect(fresh.code).toBe(0);
    const keysFile = join(home, 'filekeys', 'secrets', 'keys.json');
    expect(line(fresh.stdout, 'key backend')).toBe(
      `[!!]   key backend        keys not created yet; generated on first use into the file ${keysFile}: no usable OS keychain (no D-Bus session, so no Secret Service); set $TOKENOMICS_HASH_KEY and $TOKENOMICS_ENCRYPTION_KEY, or run a Secret Service, to avoid a key file`,
    );
    const created = await runCli(['--dir', join(home, 'filekeys'), 'token', 'create', '--policy', '{"base_key_env":"OPENAI_API_KEY"}'], { home });
    expect(created.code, created.stderr).toBe(0);
    const after = await doctor('filekeys', [], env);
    expect(line(after.stdout, 'key backend')).toBe(`[!!]   key backend        file ${keysFile}: a plain 0600 file, not the OS keychain (keep a backup; whoever reads it can forge tokens)`);
    expect(line(after.stdout, 'database')).toBe(`[ok]   database           found ${join(home, 'filekeys', 'tokenomics.db')} (1 token(s); the keys match)`);
    expect(after.stdout).toMatch(/All checks passed with \d+ warning\(s\)\n$/);
  });

  it('fails with exit code 2 on a damaged config, and on a --config that does not exist', async () => {
    const cwd = join(home, 'damaged-cwd');
    mkdirSync(cwd, { recursive: true });
    writeFileSync(join(cwd, 'config.yaml'), 'server:\n  http_port: [unclosed\n');
    const result = await doctor('damaged', [], {}, cwd);
    expect(result.code).toBe(2);
    expect(line(result.stdout, 'config file')).toBe(`[ok]   config file        found ${join(cwd, 'config.yaml')}`);
    expect(line(result.stdout, 'config parse')).toMatch(/^\[FAIL\] config parse {7}could not load config: .*config\.yaml: invalid YAML.*; fix it and run 'tokenomics doctor' again$/);
    expect(result.stdout).toMatch(/\n\n1 check\(s\) failed, 0 warning\(s\)\n$/);

    writeFileSync(join(cwd, 'config.yaml'), 'server:\n  http_port: lots\n');
    const invalid = await doctor('damaged', [], {}, cwd);
    expect(invalid.code).toBe(2);
    expect(line(invalid.stdout, 'config parse')).toMatch(/config\.yaml: server\.http_port: /);

    const absent = await runCli(['--dir', join(home, 'damaged'), '--config', join(home, 'nope.yaml'), 'doctor'], { home, env: { ...TEST_KEYS } });
    expect(absent.code).toBe(2);
    expect(absent.stdout).toContain(`[FAIL] config file        ${join(home, 'nope.yaml')} not found (given with --config); check the path`);
  });

  it('fails, exit 1, when another program holds a configured port', async () => {
    const server = await listen();
    const port = (server.address() as { port: number }).port;
    const result = await doctor('taken', [], { TOKENOMICS_SERVER_HTTP_PORT: String(port) });
    expect(result.code).toBe(1);
    expect(line(result.stdout, 'http port')).toBe(
      `[FAIL] http port          port ${port} on 127.0.0.1 is in use by another program; free it or choose another port (server.http_port)`,
    );
    expect(result.stdout).toMatch(/\n\n1 check\(s\) failed, \d+ warning\(s\)\n$/);
  });

  it('with a running daemon: its ports and database are fine, the proxy is running; another --dir sees a foreign proxy', async () => {
    const dir = join(home, 'running');
    const daemon = await startDaemon({ home, dir });
    daemons.push(daemon);
    const port = new URL(daemon.url).port;
    const env = { TOKENOMICS_SERVER_HTTP_PORT: port, TOKENOMICS_SERVER_TLS_ENABLED: 'false' };
    const result = await doctor('running', [], env);
    expect(result.code, result.stdout).toBe(0);
    const pid = daemon.state.pid;
    expect(line(result.stdout, 'http port')).toBe(`[ok]   http port          127.0.0.1:${port} in use by this proxy (PID ${pid})`);
    expect(line(result.stdout, 'proxy status')).toBe(`[ok]   proxy status       running (PID ${pid}) at ${daemon.url}`);
    expect(line(result.stdout, 'database')).toBe(`[ok]   database           ${join(dir, 'tokenomics.db')} (open in the running daemon, PID ${pid})`);
    expect(line(result.stdout, 'tls')).toBe('[!!]   tls                TLS is disabled (server.tls.enabled: false): only the HTTP listener runs');
    expect(result.stdout).not.toContain('https port');

    const other = await doctor('not-running', [], env);
    expect(other.code).toBe(1);
    expect(line(other.stdout, 'http port')).toMatch(new RegExp(`^\\[FAIL\\] http port {10}port ${port} on 127\\.0\\.0\\.1 is in use by another Tokenomics proxy \\(http://127\\.0\\.0\\.1:${port}\\) that is not this --dir's`));
  });

  it('warns about a stale daemon.json', async () => {
    const dir = join(home, 'stale');
    mkdirSync(dir, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(join(dir, 'daemon.json'), JSON.stringify({ pid: Number(dead), control_url: 'http://127.0.0.1:1', control_secret: 'x', db_path: join(dir, 'tokenomics.db') }));
    const result = await doctor('stale');
    expect(result.code).toBe(0);
    expect(line(result.stdout, 'proxy status')).toBe(`[!!]   proxy status       stale ${join(dir, 'daemon.json')} (PID ${dead} is not running); 'tokenomics stop' removes it`);
  });

  it('fails when another process holds the database', async () => {
    const dbPath = join(home, 'locked', 'tokenomics.db');
    mkdirSync(join(home, 'locked'), { recursive: true });
    const db = new ClassicLevel(dbPath);
    await db.open();
    try {
      const result = await doctor('locked');
      expect(result.code).toBe(1);
      expect(line(result.stdout, 'database')).toMatch(/^\[FAIL\] database {11}.*tokenomics\.db is held by another process that is not this --dir's running daemon/);
    } finally {
      await db.close();
    }
  });

  it('fails when the keys are not the ones the database was written with', async () => {
    const created = await runCli(['--dir', join(home, 'rekeyed'), 'token', 'create', '--policy', '{"base_key_env":"OPENAI_API_KEY"}'], { home, env: { ...TEST_KEYS } });
    expect(created.code, created.stderr).toBe(0);
    const result = await doctor('rekeyed', [], { TOKENOMICS_ENCRYPTION_KEY: 'another-key' });
    expect(result.code).toBe(1);
    expect(line(result.stdout, 'database')).toMatch(/^\[FAIL\] database {11}The encryption key does not match the one .*tokenomics\.db was written with/);
  });

  it('fails, naming the address, when the Redis backend is unreachable', async () => {
    const port = await freePort();
    const result = await doctor('redis-down', [], { TOKENOMICS_SESSION_BACKEND: 'redis', TOKENOMICS_SESSION_REDIS_ADDR: `127.0.0.1:${port}` });
    expect(result.code).toBe(1);
    expect(line(result.stdout, 'redis')).toMatch(new RegExp(`^\\[FAIL\\] redis {14}cannot reach Redis at 127\\.0\\.0\\.1:${port} \\(session\\.redis\\.addr\\): .*; start redis-server or set session\\.backend: memory$`));
  });

  it.skipIf(!hasRedis)('reports a reachable Redis as ok', async () => {
    const port = await freePort();
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const env = { TOKENOMICS_SESSION_BACKEND: 'redis', TOKENOMICS_SESSION_REDIS_ADDR: `127.0.0.1:${port}` };
    let result = await doctor('redis-up', [], env);
    for (let i = 0; i < 50 && result.code !== 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      result = await doctor('redis-up', [], env);
    }
    expect(line(result.stdout, 'redis')).toBe(`[ok]   redis              reachable at 127.0.0.1:${port} (db 0)`);
  });

  it('checks generated certificates: fine, expiring within 30 days (warn), expired (fail)', async () => {
    writeCerts(join(home, 'certs-ok', 'certs'), 300);
    const fine = await doctor('certs-ok');
    expect(line(fine.stdout, 'tls')).toMatch(/^\[ok\] {3}tls {16}generated CA \(expires \d{4}-\d{2}-\d{2}\) and server certificate \(expires \d{4}-\d{2}-\d{2}\) in /);

    writeCerts(join(home, 'certs-soon', 'certs'), 10);
    const soon = await doctor('certs-soon');
    expect(soon.code).toBe(0);
    expect(line(soon.stdout, 'tls')).toMatch(/^\[!!\] {3}tls {16}the server certificate .*server\.crt expires on \d{4}-\d{2}-\d{2}, in less than 30 days; delete .*certs and restart the proxy/);

    writeCerts(join(home, 'certs-expired', 'certs'), -1);
    const expired = await doctor('certs-expired');
    expect(expired.code).toBe(1);
    expect(line(expired.stdout, 'tls')).toMatch(/^\[FAIL\] tls {16}the server certificate .*server\.crt expired on \d{4}-\d{2}-\d{2}; delete /);
  });

  it('fails when the configured certificate files cannot be read', async () => {
    const result = await doctor('usercert', [], {
      TOKENOMICS_SERVER_TLS_CERT_FILE: join(home, 'missing.crt'),
      TOKENOMICS_SERVER_TLS_KEY_FILE: join(home, 'missing.key'),
    });
    expect(result.code).toBe(1);
    expect(line(result.stdout, 'tls')).toBe(`[FAIL] tls                cert ${join(home, 'missing.crt')}: ENOENT, key ${join(home, 'missing.key')}: ENOENT; fix server.tls.cert_file / key_file`);
  });

  it.skipIf(process.getuid?.() === 0)('fails when the ledger directory is not writable', async () => {
    const sessions = join(home, 'readonly', 'sessions');
    mkdirSync(sessions, { recursive: true });
    chmodSync(sessions, 0o500);
    const result = await doctor('readonly');
    chmodSync(sessions, 0o700);
    expect(result.code).toBe(1);
    expect(line(result.stdout, 'ledger')).toMatch(/^\[FAIL\] ledger {13}.*sessions is not writable \(EACCES\)/);
  });

  it('reports remote sync settings', async () => {
    const noKey = await doctor('remote', [], { TOKENOMICS_REMOTE_URL: 'https://central.example' });
    expect(line(noKey.stdout, 'remote sync')).toBe('[!!]   remote sync        remote.url=https://central.example but no remote.api_key set; set it (or TOKENOMICS_REMOTE_API_KEY)');
    const configured = await doctor('remote', [], { TOKENOMICS_REMOTE_URL: 'https://central.example', TOKENOMICS_REMOTE_API_KEY: 'k', TOKENOMICS_REMOTE_SYNC: '60' });
    expect(line(configured.stdout, 'remote sync')).toBe('[ok]   remote sync        configured for https://central.example (sync every 60s)');
  });

  it('--json prints the checks with the failure and warning counts, and keeps the exit code', async () => {
    const server = await listen();
    const port = (server.address() as { port: number }).port;
    const result = await doctor('json', ['--json'], { TOKENOMICS_SERVER_HTTPS_PORT: String(port) });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as DoctorJson;
    expect(report.checks.map((c) => c.name)).toEqual([
      'config file', 'config parse', 'database', 'key backend', 'provider keys', 'tls', 'http port', 'https port', 'proxy status', 'ledger',
    ]);
    expect(report.checks.find((c) => c.name === 'https port')).toEqual({
      name: 'https port',
      status: 'fail',
      detail: `port ${port} on 127.0.0.1 is in use by another program; free it or choose another port (server.https_port)`,
    });
    expect(report.failed).toBe(report.checks.filter((c) => c.status === 'fail').length);
    expect(report.failed).toBe(1);
    expect(report.warnings).toBe(report.checks.filter((c) => c.status === 'warn').length);
  });
});
