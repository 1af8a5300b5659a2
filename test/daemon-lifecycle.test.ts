// The daemon as a process: TLS material and trust, refusing to start twice or on a taken port, graceful shutdown
// with a stream in flight, token commands through the control API while it runs, and that API's secret.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, runCli, scratchDir } from './helpers/cli.js';
import { freePort, startDaemon, TEST_KEYS, type RunningDaemon } from './helpers/daemon.js';
import { startMockUpstream, type MockUpstream } from './helpers/mock-upstream.js';

const scratch = scratchDir();
const home = scratch.path;
const SECRET = 'sk-mock-secret';
const CHAT = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });

let mock: MockUpstream;
const daemons: RunningDaemon[] = [];
const servers: Server[] = [];

beforeAll(async () => {
  mock = await startMockUpstream();
});

afterAll(async () => {
  for (const daemon of daemons) await daemon.stop();
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  await mock?.close();
  scratch.cleanup();
});

/** A daemon on its own {dir}, talking to the mock, stopped in afterAll if a test does not stop it. */
async function daemonIn(name: string, tls = false): Promise<{ daemon: RunningDaemon; dir: string }> {
  const dir = join(home, name, '.tokenomics');
  const daemon = await startDaemon({ home, dir, tls, env: { TOKENOMICS_SERVER_UPSTREAM_URL: mock.url, MOCK_KEY: SECRET } });
  daemons.push(daemon);
  return { daemon, dir };
}

function cli(dir: string, args: readonly string[]) {
  return runCli(['--dir', dir, ...args], { home, env: { ...TEST_KEYS } });
}

async function createToken(dir: string, policy: object = { base_key_env: 'MOCK_KEY' }) {
  const result = await cli(dir, ['token', 'create', '--policy', JSON.stringify(policy), '--json']);
  expect(result.code, result.stderr).toBe(0);
  return { ...(JSON.parse(result.stdout) as { token: string; hash: string }), stderr: result.stderr };
}

function chat(daemon: RunningDaemon, token: string, extra: RequestInit = {}): Promise<Response> {
  return fetch(`${daemon.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: CHAT,
    ...extra,
  });
}

/** Runs `node -e` in a fresh process (NODE_EXTRA_CA_CERTS is only read at startup) to fetch a URL. */
function fetchInChild(url: string, caFile?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = `fetch(process.env.TARGET_URL).then(async (r) => console.log(r.status, await r.text()),
    (e) => { console.error('FAILED', e.cause?.code ?? '', String(e.cause ?? e)); process.exit(3); });`;
  const env: Record<string, string> = { ...baseEnv(home), TARGET_URL: url };
  delete env.NODE_EXTRA_CA_CERTS;
  if (caFile) env.NODE_EXTRA_CA_CERTS = caFile;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe('HTTPS with the generated CA', () => {
  let daemon: RunningDaemon;
  let dir: string;
  let certDir: string;
  const files = ['ca.crt', 'ca.key', 'server.crt', 'server.key'];

  beforeAll(async () => {
    ({ daemon, dir } = await daemonIn('tls', true));
    certDir = join(dir, 'certs');
  });

  it('writes the CA and server certificate 0600 in a 0700 folder and announces the CA', () => {
    expect(mode(certDir)).toBe(0o700);
    for (const file of files) expect(mode(join(certDir, file)), file).toBe(0o600);
    expect(daemon.state.ca_file).toBe(join(certDir, 'ca.crt'));
    expect(daemon.httpsUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('is trusted by a Node process given NODE_EXTRA_CA_CERTS, for 127.0.0.1 and localhost', async () => {
    const port = new URL(daemon.httpsUrl!).port;
    for (const host of ['127.0.0.1', 'localhost']) {
      const result = await fetchInChild(`https://${host}:${port}/health`, join(certDir, 'ca.crt'));
      expect(result.code, `${host}: ${result.stderr}`).toBe(0);
      expect(result.stdout).toContain('200 {"status":"ok"}');
    }
  });

  it('is refused with a certificate error without the CA', async () => {
    const result = await fetchInChild(`${daemon.httpsUrl}/health`);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/FAILED .*(CERT|UNABLE_TO_VERIFY|SELF_SIGNED|certificate)/i);
  });

  it('reuses the same certificate files after a restart', async () => {
    const before = files.map((file) => readFileSync(join(certDir, file)));
    expect((await daemon.stop()).code).toBe(0);
    const again = await startDaemon({ home, dir, tls: true, env: { TOKENOMICS_SERVER_UPSTREAM_URL: mock.url, MOCK_KEY: SECRET } });
    daemons.push(again);
    files.forEach((file, i) => expect(readFileSync(join(certDir, file)).equals(before[i]!), file).toBe(true));
    const result = await fetchInChild(`${again.httpsUrl}/health`, join(certDir, 'ca.crt'));
    expect(result.code, result.stderr).toBe(0);
    expect((await again.stop()).code).toBe(0);
  });
});

describe('refusing to start', () => {
  let daemon: RunningDaemon;
  let dir: string;

  beforeAll(async () => {
    ({ daemon, dir } = await daemonIn('first'));
  });

  it('a second serve on the same port says a proxy is already running there', async () => {
    const port = new URL(daemon.url).port;
    const other = join(home, 'second', '.tokenomics');
    const result = await cli(other, ['serve', '--http-port', port, '--no-tls']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`proxy already running at ${daemon.url}`);
    expect(result.stderr).toContain('tokenomics stop');
    // The first daemon is untouched.
    expect((await fetch(`${daemon.url}/health`)).status).toBe(200);
  });

  it('a second serve for the same dir leaves the running daemon and its daemon.json alone', async () => {
    const before = readFileSync(join(dir, 'daemon.json'), 'utf8');
    const result = await cli(dir, ['serve', '--http-port', new URL(daemon.url).port, '--no-tls']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('proxy already running at');
    expect(readFileSync(join(dir, 'daemon.json'), 'utf8')).toBe(before);
    expect((await fetch(`${daemon.url}/health`)).status).toBe(200);
  });

  it('the command the message recommends exists', async () => {
    // "Use 'tokenomics stop' to stop it": following the advice must not end in "unknown command".
    const result = await cli(join(home, 'nothing-running', '.tokenomics'), ['stop']);
    expect(result.stderr).not.toContain("unknown command 'stop'");
    expect(result.code).not.toBe(2);
  });

  async function foreignServer(): Promise<number> {
    const port = await freePort();
    const server = createServer((_req, res) => res.writeHead(404).end('not tokenomics'));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return port;
  }

  it('an HTTP port held by another program: a clear error naming the port', async () => {
    const port = await foreignServer();
    const result = await cli(join(home, 'foreign', '.tokenomics'), ['serve', '--http-port', String(port), '--no-tls']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`port ${port} on 127.0.0.1 is in use by another program`);
    expect(result.stderr).not.toContain('already running');
    expect(result.stderr).not.toContain('This is a bug');
  });

  it('an HTTPS port held by another program: the same, and the HTTP port is released again', async () => {
    const port = await foreignServer();
    const httpPort = await freePort();
    const foreignDir = join(home, 'foreign-tls', '.tokenomics');
    const result = await cli(foreignDir, ['serve', '--http-port', String(httpPort), '--https-port', String(port)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`port ${port} on 127.0.0.1 is in use by another program`);
    expect(existsSync(join(foreignDir, 'daemon.json'))).toBe(false);
    await expect(fetch(`http://127.0.0.1:${httpPort}/health`)).rejects.toThrow();
  });
});

describe('graceful shutdown', () => {
  it('SIGTERM mid-stream: the stream still completes, the daemon exits 0 and removes daemon.json', async () => {
    const { daemon, dir } = await daemonIn('shutdown');
    const { token, hash } = await createToken(dir);
    const res = await fetch(`${daemon.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-mock-chunk-delay': '300' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    const first = await reader.read();
    let text = decoder.decode(first.value, { stream: true });
    expect(existsSync(join(dir, 'daemon.json'))).toBe(true);

    daemon.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    // No new connections once shutdown has begun.
    await expect(fetch(`${daemon.url}/health`)).rejects.toThrow();

    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(text).toContain('"finish_reason":"stop"');
    for (const word of ['Hello', ' from', ' the', ' mock', '.']) expect(text).toContain(`"content":"${word}"`);

    // Wait for the daemon to leave by itself: a second SIGTERM (what stop() sends) would kill it outright.
    const code = daemon.child.exitCode ?? (await new Promise<number | null>((resolve) => daemon.child.once('exit', resolve)));
    expect(code).toBe(0);
    const stopped = await daemon.stop();
    expect(stopped.output).toContain('shutting down');
    expect(existsSync(join(dir, 'daemon.json'))).toBe(false);

    // Tokens created through the daemon are in the database once it is gone.
    const list = await cli(dir, ['token', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stderr).not.toContain('managed by the running daemon');
    expect((JSON.parse(list.stdout) as Array<{ hash: string }>).map((t) => t.hash)).toContain(hash);
  });
});

describe('after a crash', () => {
  it('a stale daemon.json from a killed daemon does not block the token commands or the next serve', async () => {
    const { daemon, dir } = await daemonIn('crash');
    const { token, hash } = await createToken(dir);
    expect((await daemon.stop('SIGKILL')).code).toBe(null);
    expect(existsSync(join(dir, 'daemon.json'))).toBe(true);

    const list = await cli(dir, ['token', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stderr).not.toContain('managed by the running daemon');
    expect(list.stdout).toContain(hash);

    const again = await startDaemon({ home, dir, env: { TOKENOMICS_SERVER_UPSTREAM_URL: mock.url, MOCK_KEY: SECRET } });
    daemons.push(again);
    expect(again.state.pid).toBe(again.child.pid);
    expect((await chat(again, token)).status).toBe(200);
  });
});

describe('tokenomics stop', () => {
  it('stops the running daemon gracefully: it exits 0, removes daemon.json and frees its port', async () => {
    const { daemon, dir } = await daemonIn('stop');
    const result = await cli(dir, ['stop']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`Proxy stopped (PID ${daemon.state.pid})`);
    // The daemon has exited by itself; stop() only collects its exit code.
    expect((await daemon.stop()).code).toBe(0);
    expect(existsSync(join(dir, 'daemon.json'))).toBe(false);
    await expect(fetch(`${daemon.url}/health`)).rejects.toThrow();
    // Nothing left to stop.
    const again = await cli(dir, ['stop', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ kind: 'not_running', stateFile: join(dir, 'daemon.json') });
  });

  it('removes a stale daemon.json left by a killed daemon without signalling anyone', async () => {
    const { daemon, dir } = await daemonIn('stop-stale');
    await daemon.stop('SIGKILL');
    const result = await cli(dir, ['stop']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`removed the stale ${join(dir, 'daemon.json')} left by PID ${daemon.state.pid}`);
    expect(existsSync(join(dir, 'daemon.json'))).toBe(false);
  });
});

describe('token commands while the daemon runs', () => {
  let daemon: RunningDaemon;
  let dir: string;

  beforeAll(async () => {
    ({ daemon, dir } = await daemonIn('tokens'));
  });

  it('create, list, get, update and delete go through the daemon and apply at once', async () => {
    const managed = `tokens: managed by the running daemon (pid ${daemon.child.pid})`;
    const { token, hash, stderr } = await createToken(dir);
    expect(stderr).toContain(managed);
    expect((await chat(daemon, token)).status).toBe(200);

    const list = await cli(dir, ['token', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stderr).toContain(managed);
    expect((JSON.parse(list.stdout) as Array<{ hash: string }>).map((t) => t.hash)).toContain(hash);
    expect(list.stdout).not.toContain(token);

    const got = await cli(dir, ['token', 'get', '--hash', hash.slice(0, 12), '--json']);
    expect(got.code, got.stderr).toBe(0);
    expect(got.stderr).toContain(managed);
    expect(JSON.parse(got.stdout)).toMatchObject({ hash, expires_at: null, expired: false, policy: { base_key_env: 'MOCK_KEY' } });

    const updated = await cli(dir, ['token', 'update', '--hash', hash, '--policy', '{"base_key_env":"NOT_SET_KEY"}']);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.stderr).toContain(managed);
    const refused = await chat(daemon, token);
    expect(refused.status).toBe(500);
    const body = (await refused.json()) as { error: { message: string } };
    expect(body.error.message).toContain('NOT_SET_KEY');

    const deleted = await cli(dir, ['token', 'delete', '--hash', hash]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stderr).toContain(managed);
    expect((await chat(daemon, token)).status).toBe(401);
    const gone = await cli(dir, ['token', 'get', '--hash', hash]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('Token not found.');
  });

  it('an expiry set through the daemon applies at once', async () => {
    const { token, hash } = await createToken(dir);
    expect((await chat(daemon, token)).status).toBe(200);
    const past = new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const updated = await cli(dir, ['token', 'update', '--hash', hash, '--expires', past]);
    expect(updated.code, updated.stderr).toBe(0);
    const res = await chat(daemon, token);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('expired_token');
  });

  it('the control API refuses callers without the secret, or with a wrong one', async () => {
    const { token, hash } = await createToken(dir);
    const state = JSON.parse(readFileSync(join(dir, 'daemon.json'), 'utf8')) as { control_url: string; control_secret: string };
    expect(mode(join(dir, 'daemon.json'))).toBe(0o600);
    const wrong = state.control_secret.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer nope' },
      { authorization: `Bearer ${wrong}` },
      { authorization: state.control_secret },
      { 'x-api-key': state.control_secret },
    ];
    for (const headers of attempts) {
      for (const path of ['/tokens', `/tokens/${hash}`, '/status']) {
        const res = await fetch(`${state.control_url}${path}`, { headers });
        const text = await res.text();
        expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(text).not.toContain(hash);
        expect(text).not.toContain(hash.slice(0, 16));
        expect(text).not.toContain(token);
        expect(text).not.toContain('policy');
      }
      const created = await fetch(`${state.control_url}/tokens`, { method: 'POST', headers, body: '{"policy":"{\\"base_key_env\\":\\"X\\"}"}' });
      expect(created.status).toBe(401);
      expect(await created.text()).not.toContain('tkn_');
    }
    const allowed = await fetch(`${state.control_url}/tokens`, { headers: { authorization: `Bearer ${state.control_secret}` } });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain(hash);
  });
});

describe('serve --help', () => {
  it('lists the listener flags', async () => {
    const result = await runCli(['serve', '--help'], { home });
    expect(result.code).toBe(0);
    for (const flag of ['--http-port', '--https-port', '--bind', '--no-tls']) expect(result.stdout).toContain(flag);
  });
});
