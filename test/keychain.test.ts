// A real OS keychain round trip on Linux: a private D-Bus session with a freshly unlocked gnome-keyring
// (test/helpers/with-keyring.sh), in which one CLI process generates the keys into the Secret Service, a second
// process finds them there, and secret-tool proves they really are stored in it (and no key file was written).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseEnv, CLI, scratchDir } from './helpers/cli.js';

const WITH_KEYRING = fileURLToPath(new URL('./helpers/with-keyring.sh', import.meta.url));
const REPO = fileURLToPath(new URL('..', import.meta.url));
const SESSION_TIMEOUT_MS = 20_000;

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((d) => {
    try {
      accessSync(join(d, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const missing = ['dbus-run-session', 'gnome-keyring-daemon'].filter((c) => !onPath(c));
const skipReason =
  process.platform !== 'linux'
    ? `Secret Service is the Linux keychain; this is ${process.platform}`
    : missing.length
      ? `${missing.join(' and ')} not installed (apt-get install -y --no-install-recommends gnome-keyring libsecret-tools dbus)`
      : '';

// Runs inside the session. Each step's stdout, stderr and exit status go to $OUT/<step>.{out,err,rc}.
const SEQUENCE = String.raw`
step() { name=$1; shift; "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"; echo $? >"$OUT/$name.rc"; }
step create node "$CLI" token create --dir "$DIR" --policy '{"base_key_env":"OPENAI_API_KEY"}' --json
hash=$(sed -n 's/^ *"hash": *"\([0-9a-f]*\)".*/\1/p' "$OUT/create.out")
step get node "$CLI" token get --dir "$DIR" --hash "$hash" --json
step hash-key secret-tool lookup service tokenomics username hash-key
step encryption-key secret-tool lookup service tokenomics username encryption-key
step probe secret-tool lookup service tokenomics username __probe__
step keytar-style secret-tool lookup service tokenomics account hash-key
`;

interface Step {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface Session {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  readonly timedOut: boolean;
}

function runSession(env: NodeJS.ProcessEnv): Promise<Session> {
  return new Promise((resolve, reject) => {
    const child = spawn('dbus-run-session', ['--', 'sh', WITH_KEYRING, 'sh', '-c', SEQUENCE], {
      cwd: REPO,
      env,
      detached: true, // own process group, so a hung session can be stopped as a whole
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }, SESSION_TIMEOUT_MS);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr, timedOut });
    });
  });
}

/** State letter from /proc/<pid>/stat, or null when there is no such process. */
function procState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return null;
  }
}

/** Live (non-zombie) processes whose environment mentions `marker`: everything started inside the session. */
function liveProcessesWith(marker: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${name}/environ`, 'utf8').includes(marker)) continue;
      if (procState(Number(name)) === 'Z') continue;
      found.push(`${name} ${readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()}`);
    } catch {
      /* gone meanwhile, or not ours to read */
    }
  }
  return found;
}

async function waitUntil(done: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}

describe.skipIf(skipReason !== '')(
  `OS keychain round trip through a real Secret Service${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let scratch: ReturnType<typeof scratchDir> | undefined;
    let home = '';
    let runtimeDir = '';
    let out = '';
    let dir = '';
    let session: Session;
    const steps: Record<string, Step> = {};
    let pids: { dbus: number; keyring: number } | undefined;

    beforeAll(async () => {
      // Made here, not in the describe body: vitest collects a skipped describe's body too.
      scratch = scratchDir('tokenomics-keychain-');
      home = join(scratch.path, 'home');
      runtimeDir = join(scratch.path, 'run');
      out = join(scratch.path, 'out');
      dir = join(home, 'data');
      for (const d of [home, runtimeDir, out]) mkdirSync(d, { recursive: true, mode: 0o700 });
      const env: NodeJS.ProcessEnv = { ...baseEnv(home), XDG_RUNTIME_DIR: runtimeDir, OUT: out, DIR: dir, CLI };
      // Nothing may reach the developer's own desktop session, keyring daemon or data directories.
      for (const k of ['DISPLAY', 'WAYLAND_DISPLAY', 'GNOME_KEYRING_CONTROL', 'SSH_AUTH_SOCK', 'XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME']) {
        delete env[k];
      }
      session = await runSession(env);
      for (const name of ['create', 'get', 'hash-key', 'encryption-key', 'probe', 'keytar-style']) {
        const read = (ext: string) => (existsSync(join(out, `${name}.${ext}`)) ? readFileSync(join(out, `${name}.${ext}`), 'utf8') : '');
        steps[name] = { code: Number(read('rc').trim() || -1), stdout: read('out'), stderr: read('err') };
      }
      const m = /with-keyring: dbus-daemon=(\d+) gnome-keyring-daemon=(\d+)/.exec(session.stderr);
      if (m) pids = { dbus: Number(m[1]), keyring: Number(m[2]) };
    }, SESSION_TIMEOUT_MS + 10_000);

    afterAll(() => scratch?.cleanup());

    it('runs the whole sequence in one session with a fresh login keyring', () => {
      expect(session.timedOut, `session timed out; stderr:\n${session.stderr}`).toBe(false);
      expect(session.code, session.stderr).toBe(0);
      expect(pids, session.stderr).toBeDefined();
      expect(existsSync(join(home, '.local/share/keyrings/login.keyring'))).toBe(true);
    });

    it('the first process generates the keys into the keychain, not into a file', () => {
      const { code, stdout, stderr } = steps.create!;
      expect(code, stderr).toBe(0);
      expect(stderr).toMatch(/^keys: OS keychain \(Secret Service\)$/m);
      expect(JSON.parse(stdout)).toMatchObject({ token: expect.stringMatching(/^tkn_/), hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect(existsSync(join(dir, 'secrets', 'keys.json'))).toBe(false);
      expect(existsSync(join(dir, 'secrets'))).toBe(false);
    });

    it('a second process finds the same keys in the keychain and reads the token back', () => {
      const created = JSON.parse(steps.create!.stdout) as { hash: string };
      const { code, stdout, stderr } = steps.get!;
      expect(code, stderr).toBe(0);
      expect(stderr).toMatch(/^keys: OS keychain \(Secret Service\)$/m);
      expect(JSON.parse(stdout)).toMatchObject({ hash: created.hash, expires_at: null, policy: { base_key_env: 'OPENAI_API_KEY' } });
      expect(existsSync(join(dir, 'secrets', 'keys.json'))).toBe(false);
    });

    it('secret-tool finds both keys under service=tokenomics, username=<account>, as 32-byte base64', () => {
      const lookup = steps['hash-key']!;
      expect(lookup.code, lookup.code === 127 ? 'secret-tool is not installed (apt package libsecret-tools)' : `no tokenomics/hash-key item in the Secret Service ${lookup.stderr}`).toBe(0);
      expect(steps['encryption-key']!.code, steps['encryption-key']!.stderr).toBe(0);
      const hashKey = steps['hash-key']!.stdout.trim();
      const encryptionKey = steps['encryption-key']!.stdout.trim();
      for (const value of [hashKey, encryptionKey]) {
        expect(value).toMatch(/^[A-Za-z0-9+/]{43}=$/);
        expect(Buffer.from(value, 'base64')).toHaveLength(32);
      }
      expect(hashKey).not.toBe(encryptionKey);
      // The stored value is the key the CLI used: the token hash is HMAC-SHA256(hash key, raw token).
      const { token, hash } = JSON.parse(steps.create!.stdout) as { token: string; hash: string };
      expect(createHmac('sha256', Buffer.from(hashKey, 'base64')).update(token).digest('hex')).toBe(hash);
    });

    it('leaves no probe entry behind, and uses the attribute `username` (not keytar\'s `account`)', () => {
      expect(steps.probe!.code).not.toBe(0);
      expect(steps.probe!.stdout).toBe('');
      expect(steps['keytar-style']!.code).not.toBe(0);
      expect(steps['keytar-style']!.stdout).toBe('');
    });

    it('leaves no dbus-daemon or gnome-keyring-daemon running', async () => {
      expect(pids, session.stderr).toBeDefined();
      const alive = () => [pids!.dbus, pids!.keyring].filter((pid) => !['Z', null].includes(procState(pid)));
      await waitUntil(() => alive().length === 0 && liveProcessesWith(runtimeDir).length === 0, 5_000);
      expect(alive()).toEqual([]);
      expect(liveProcessesWith(runtimeDir)).toEqual([]);
    });
  },
);
