// The admin routes' defences against the real daemon: the loopback check by socket (a daemon listening on every
// interface, reached from this machine's own non-loopback address, with and without forged forwarding headers),
// the Host check (DNS rebinding), same-origin changes, basic auth, memory and asset paths that try to leave their
// folder; and that neither the basic-auth password nor a raw token reaches any file the daemon writes.
import { lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDir } from '../helpers/cli.js';
import { startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { nonLoopbackAddress, raw, rawSocket, sameOrigin, type RawOptions } from './raw-http.js';

const scratch = scratchDir();
const home = scratch.path;
const dir = join(home, '.tokenomics');
const USER = 'admin';
const PASSWORD = 'Sup3r-s3cret-admin-pw';
const AUTH = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
const SECRET_OUTSIDE = 'the-secret-outside-the-memory-dir';
/** A stand-in for the built page: index.html beside assets/, so `../index.html` from assets/ names a real file. */
const web = join(home, 'web');

let mock: MockUpstream;
let daemon: RunningDaemon;
let base: string;
/** eth0's address, say: a client there is not on loopback although it is this machine. */
const outsideIp = nonLoopbackAddress();
const rawTokens: string[] = [];

/** An admin request as the page on this machine sends it: loopback, own Host, the password. */
const admin = (path: string, options: RawOptions = {}) => raw(base, path, { ...options, headers: { authorization: AUTH, ...options.headers } });

async function createToken(): Promise<{ token: string; hash: string }> {
  const res = await admin('/admin/api/keys', { method: 'POST', headers: sameOrigin(base), body: JSON.stringify({ policy: { base_key_env: 'MOCK_KEY' } }) });
  expect(res.status, res.text).toBe(201);
  const created = res.json<{ token: string; hash: string }>();
  rawTokens.push(created.token);
  return created;
}

beforeAll(async () => {
  mkdirSync(join(web, 'assets'), { recursive: true });
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>admin</title>INDEX-MARKER');
  writeFileSync(join(web, 'assets', 'app.js'), 'console.log("app")');
  writeFileSync(join(home, 'passwd'), SECRET_OUTSIDE);
  mock = await startMockUpstream();
  daemon = await startDaemon({
    home,
    dir,
    args: ['--bind', '0.0.0.0'],
    env: {
      TOKENOMICS_SERVER_UPSTREAM_URL: mock.url,
      MOCK_KEY: 'sk-mock-secret',
      TOKENOMICS_ADMIN_AUTH_USERNAME: USER,
      TOKENOMICS_ADMIN_AUTH_PASSWORD: PASSWORD,
      // Everything the daemon can log, to a file the test reads at the end.
      TOKENOMICS_LOGGING_LEVEL: 'debug',
      TOKENOMICS_LOGGING_FILE_ENABLED: 'true',
      TOKENOMICS_LOGGING_FILE_LEVEL: 'debug',
      TOKENOMICS_LOGGING_DISABLE_REQUEST: 'false',
      TOKENOMICS_LOGGING_REQUEST_BODY: 'true',
      TOKENOMICS_WEB_DIR: web,
    },
  });
  // daemon.json names localhost for a 0.0.0.0 listener; the tests talk to 127.0.0.1 explicitly.
  base = `http://127.0.0.1:${new URL(daemon.url).port}`;
  const memory = join(dir, 'memory');
  mkdirSync(join(memory, 'notes'), { recursive: true });
  writeFileSync(join(memory, 'notes', 'inside.md'), 'inside the memory dir\n');
  writeFileSync(join(home, 'outside.txt'), `${SECRET_OUTSIDE}\n`);
  symlinkSync(join(home, 'outside.txt'), join(memory, 'escape.md'));
  symlinkSync(home, join(memory, 'homelink'));
  symlinkSync(join(memory, 'notes', 'inside.md'), join(memory, 'alias.md'));
});

afterAll(async () => {
  await daemon?.stop();
  await mock?.close();
  scratch.cleanup();
});

describe('loopback is decided by the socket', () => {
  it('answers the page on this machine with the right credentials', async () => {
    const res = await admin('/admin/api/health');
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', admin: { enabled: true, auth_required: true } });
  });

  it.skipIf(!outsideIp)(`refuses a client on a non-loopback address${outsideIp ? '' : ' (skipped: this machine has no non-loopback IPv4 address)'}, even with a loopback Host and the password`, async () => {
    const port = new URL(base).port;
    const outside: RawOptions = { connectTo: outsideIp, localAddress: outsideIp, headers: { host: `127.0.0.1:${port}`, authorization: AUTH } };
    // The proxy itself is reachable from there (the daemon listens on every interface) ...
    const health = await raw(base, '/health', outside);
    expect(health.status).toBe(200);
    // ... the admin routes are not, page or API, and no forwarding header changes that.
    const forged: Record<string, string>[] = [
      {},
      { 'x-forwarded-for': '127.0.0.1' },
      { 'x-real-ip': '127.0.0.1' },
      { 'true-client-ip': '127.0.0.1' },
      { forwarded: 'for=127.0.0.1' },
      { 'x-forwarded-for': '127.0.0.1', 'x-real-ip': '127.0.0.1', 'true-client-ip': '127.0.0.1', forwarded: 'for=127.0.0.1;proto=http' },
    ];
    for (const headers of forged) {
      for (const path of ['/admin/api/health', '/admin/api/keys', '/admin/', '/admin/assets/app.js']) {
        const res = await raw(base, path, { ...outside, headers: { ...outside.headers, ...headers } });
        expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(403);
        expect(res.json()).toEqual({ error: 'admin UI/API is local-only' });
      }
    }
    // A change from there is refused before it happens.
    const before = (await admin('/admin/api/keys')).json<{ count: number }>().count;
    const post = await raw(base, '/admin/api/keys', {
      ...outside,
      method: 'POST',
      headers: { ...outside.headers, ...sameOrigin(`http://127.0.0.1:${port}`), 'x-forwarded-for': '127.0.0.1' },
      body: JSON.stringify({ policy: { base_key_env: 'MOCK_KEY' } }),
    });
    expect(post.status).toBe(403);
    expect((await admin('/admin/api/keys')).json<{ count: number }>().count).toBe(before);
    // The bare URL does not redirect a remote browser to the admin page.
    const root = await raw(base, '/', outside);
    expect(root.status).toBe(401);
  });
});

describe('the Host header must be a loopback name', () => {
  it.each(['evil.example', 'evil.example:80', `127.0.0.1.evil.example`, 'localhost.evil.example', '[::2]:8080', '10.0.0.1', '0.0.0.0'])('refuses Host %s', async (host) => {
    const res = await admin('/admin/api/health', { headers: { host } });
    expect(res.status).toBe(403);
    expect(res.json()).toEqual({ error: `host not allowed: ${host}` });
    const page = await admin('/admin/', { headers: { host } });
    expect(page.status).toBe(403);
  });

  it('refuses a request without Host', async () => {
    // HTTP/1.1 without Host is refused by Node itself (400); HTTP/1.0 may leave it out and reaches the guard.
    const old = await rawSocket(base, `GET /admin/api/health HTTP/1.0\r\nAuthorization: ${AUTH}\r\n\r\n`);
    expect(old.status).toBe(403);
    expect(JSON.parse(old.text)).toEqual({ error: 'host not allowed: (none)' });
    const current = await admin('/admin/api/health', { noHost: true });
    expect(current.status).toBe(400);
    expect(current.text).not.toContain('"status":"ok"');
  });

  it.each(['localhost', 'localhost:1234', 'app.localhost:9', '127.0.0.1', '127.1.2.3:80', '[::1]', '[::1]:8080', 'LOCALHOST'])('accepts Host %s', async (host) => {
    const res = await admin('/admin/api/health', { headers: { host } });
    expect(res.status).toBe(200);
  });
});

describe('changes need a same-origin Origin', () => {
  it('refuses POST, PUT and DELETE from another origin or without one, and nothing changes', async () => {
    const { hash } = await createToken();
    const policy = JSON.stringify({ policy: { base_key_env: 'OTHER_KEY' } });
    const port = new URL(base).port;
    const origins: (string | undefined)[] = [undefined, 'http://evil.example', `http://evil.example:${port}`, `https://127.0.0.1:${port}`, `http://localhost:${port}`, 'null'];
    for (const origin of origins) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...(origin ? { origin } : {}) };
      const attempts = [
        admin('/admin/api/keys', { method: 'POST', headers, body: policy }),
        admin(`/admin/api/keys/${hash}`, { method: 'PUT', headers, body: policy }),
        admin(`/admin/api/keys/${hash}`, { method: 'DELETE', headers }),
      ];
      for (const res of await Promise.all(attempts)) {
        expect(res.status, `origin ${origin}`).toBe(403);
        expect(res.json()).toEqual({ error: 'cross-origin request refused' });
      }
    }
    const after = await admin(`/admin/api/keys/${hash}`);
    expect(after.status).toBe(200);
    expect(after.json<{ policy: { base_key_env: string } }>().policy.base_key_env).toBe('MOCK_KEY');
  });

  it('refuses API reads a browser marks cross-site', async () => {
    const res = await admin('/admin/api/keys', { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(res.status).toBe(403);
    expect(res.json()).toEqual({ error: 'cross-origin request refused' });
    expect((await admin('/admin/api/keys', { headers: { 'sec-fetch-site': 'same-origin' } })).status).toBe(200);
  });

  it('accepts the origin the page has', async () => {
    const res = await admin('/admin/api/keys', { method: 'POST', headers: sameOrigin(base), body: JSON.stringify({ policy: { base_key_env: 'MOCK_KEY' } }) });
    expect(res.status).toBe(201);
    rawTokens.push(res.json<{ token: string }>().token);
  });
});

describe('basic auth when admin.auth is set', () => {
  const wrong = [
    ['missing', undefined],
    ['wrong password', `Basic ${Buffer.from(`${USER}:nope`).toString('base64')}`],
    ['wrong user', `Basic ${Buffer.from(`root:${PASSWORD}`).toString('base64')}`],
    ['password with a suffix', `Basic ${Buffer.from(`${USER}:${PASSWORD}x`).toString('base64')}`],
    ['no colon', `Basic ${Buffer.from(`${USER}${PASSWORD}`).toString('base64')}`],
    ['not basic', `Bearer ${PASSWORD}`],
    ['garbage', 'Basic !!!'],
  ] as const;

  it.each(wrong)('answers 401 with a challenge for %s credentials, page and API alike', async (_name, header) => {
    for (const path of ['/admin/api/health', '/admin/api/keys', '/admin/', '/admin/api/memory/files/notes/inside.md']) {
      const res = await raw(base, path, { headers: header ? { authorization: header } : {} });
      expect(res.status, path).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Basic realm="tokenomics-admin"');
      expect(res.json()).toEqual({ error: 'unauthorized' });
      expect(res.text).not.toContain('inside the memory dir');
    }
  });

  it('refuses a change without the password even from the right origin', async () => {
    const res = await raw(base, '/admin/api/keys', { method: 'POST', headers: sameOrigin(base), body: JSON.stringify({ policy: { base_key_env: 'MOCK_KEY' } }) });
    expect(res.status).toBe(401);
  });

  it('lets the right credentials through', async () => {
    const res = await admin('/admin/api/keys');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });
});

describe('memory paths stay inside the memory folder', () => {
  it('reads a file inside, and through a symlink that stays inside', async () => {
    const res = await admin('/admin/api/memory/files/notes/inside.md');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ path: 'notes/inside.md', content: 'inside the memory dir\n' });
    const alias = await admin('/admin/api/memory/files/alias.md');
    expect(alias.json()).toEqual({ path: 'alias.md', content: 'inside the memory dir\n' });
  });

  it.each([
    ['../outside.txt'],
    ['../../outside.txt'],
    ['notes/../../outside.txt'],
    ['%2e%2e/outside.txt'],
    ['%2E%2E/outside.txt'],
    ['notes/%2e%2e/%2e%2e/outside.txt'],
    ['..%2foutside.txt'],
    ['%2e%2e%2foutside.txt'],
    ['..%5coutside.txt'],
    ['notes%5c..%5c..%5coutside.txt'],
    ['%2fetc%2fpasswd'],
    ['/etc/passwd'],
    ['//etc/passwd'],
    ['notes/inside.md%00.txt'],
    ['./notes/inside.md'],
    [''],
    ['escape.md'],
    ['homelink/outside.txt'],
    ['%'],
  ])('refuses %j with 400 invalid file path', async (path) => {
    const res = await admin(`/admin/api/memory/files/${path}`);
    expect(res.status, res.text).toBe(400);
    expect(res.json()).toEqual({ error: 'invalid file path' });
    expect(res.text).not.toContain(SECRET_OUTSIDE);
    expect(res.text).not.toContain('root:');
  });

  it('answers 404 for a missing file inside', async () => {
    const res = await admin('/admin/api/memory/files/notes/missing.md');
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ error: 'file not found' });
  });

  it('lists neither the symlinks nor anything outside', async () => {
    const res = await admin('/admin/api/memory/files');
    const paths = res.json<{ files: { path: string }[] }>().files.map((f) => f.path);
    expect(paths).toContain('notes/inside.md');
    expect(paths).not.toContain('escape.md');
    expect(paths.some((p) => p.startsWith('homelink'))).toBe(false);
  });
});

describe('asset paths stay inside the assets folder', () => {
  it('serves a file inside', async () => {
    const res = await admin('/admin/assets/app.js');
    expect(res.status).toBe(200);
    expect(res.text).toBe('console.log("app")');
  });

  it.each(['../index.html', '%2e%2e/index.html', '%2E%2E/index.html', '..%2findex.html', '..%5cindex.html', '..\\index.html', '%2fetc%2fpasswd', 'app.js%00', '', './app.js', '../../passwd', '%2e%2e/%2e%2e/passwd'])('answers 404 for %j', async (path) => {
    const res = await admin(`/admin/assets/${path}`);
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('INDEX-MARKER');
    expect(res.text).not.toContain(SECRET_OUTSIDE);
  });
});

describe('secrets in files', () => {
  it('writes neither the basic-auth password nor a raw token to any file under the daemon directory', async () => {
    // Exercise every path that could log: a token used through the proxy, refused requests, failed logins.
    const { token } = await createToken();
    const chat = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(chat.status).toBe(200);
    await raw(base, '/admin/api/keys', { headers: { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}-wrong`).toString('base64')}` } });
    await admin('/admin/api/keys', { method: 'POST', headers: { origin: 'http://evil.example' }, body: '{}' });
    await admin('/admin/api/keys', { method: 'POST', headers: sameOrigin(base), body: `{"policy":{"base_key_env":"${PASSWORD}"}}` });
    expect(rawTokens.length).toBeGreaterThan(1);
    // Let the asynchronous log streams and the journal reach the disk.
    await daemon.stop();
    const files: string[] = [];
    const walk = (folder: string): void => {
      for (const name of readdirSync(folder)) {
        const path = join(folder, name);
        const stat = lstatSync(path);
        if (stat.isDirectory()) walk(path);
        else if (stat.isFile()) files.push(path);
      }
    };
    walk(dir);
    const logs = files.filter((f) => f.endsWith('.log'));
    expect(logs.length, 'the daemon wrote log files').toBeGreaterThanOrEqual(2);
    expect(logs.map((f) => readFileSync(f, 'utf8')).join('')).toContain('tokenomics proxy started');
    for (const file of files) {
      const text = readFileSync(file).toString('latin1');
      expect(text.includes(PASSWORD), `${file} holds the admin password`).toBe(false);
      for (const token of rawTokens) expect(text.includes(token), `${file} holds a raw token`).toBe(false);
    }
    expect(daemon.output().includes(PASSWORD)).toBe(false);
    for (const token of rawTokens) expect(daemon.output().includes(token)).toBe(false);
  });
});
