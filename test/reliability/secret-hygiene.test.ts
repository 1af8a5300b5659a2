// The secret scan itself: it finds a planted secret wherever it sits (a log, a binary database file, a ledger line
// whose secret came from a config file, an API response) and a raw token outside a token-create answer, and finds
// nothing in a clean run. Then one daemon with every kind of secret set (provider key, webhook secret and signing
// key, basic-auth password, the gateway's own keys) runs requests that succeed and fail, and leaves none of them in
// its files, output or answers. The scan over the whole suite runs after it (test/secret-scan.test.ts).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scratchDir } from '../helpers/cli.js';
import { startDaemon } from '../helpers/daemon.js';
import { startMockUpstream } from '../helpers/mock-upstream.js';
import { RECORD } from '../helpers/run-root.js';
import { RAW_TOKEN, scanRunRoot } from '../helpers/secret-scan.js';
import { createToken, eventually } from './support.js';

const scratch = scratchDir();
// Planted secrets live outside the run root, or the scan after the suite would (rightly) find them.
const planted = mkdtempSync(join(tmpdir(), 'tokenomics-planted-'));
afterAll(() => {
  scratch.cleanup();
  rmSync(planted, { recursive: true, force: true });
});

function plantRoot(name: string, files: Record<string, string | Buffer>): string {
  const root = join(planted, name);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

const TOKEN = 'tkn_3f2a9c1e-7b4d-4e8a-9f10-2c3d4e5f6a7b';
const recorded = (values: string[]) => ({ [`${RECORD.secrets}/1.json`]: JSON.stringify(values) });

describe('the secret scanner', () => {
  it('finds nothing in a clean run', () => {
    const root = plantRoot('clean', {
      ...recorded(['sk-provider-key-value']),
      [`${RECORD.output}/1.daemon.log`]: 'tokenomics proxy started\n',
      'home/.tokenomics/sessions/2026-12-04_abcd1234.jsonl': '{"kind":"request","token_hash":"ab12"}\n',
      [`${RECORD.responses}/1.create.log`]: `=== POST http://127.0.0.1:1/tokens 201\n{"token":"${TOKEN}"}\n`,
    });
    const result = scanRunRoot(root);
    expect(result.findings).toEqual([]);
    expect(result.filesScanned).toBe(3);
  });

  it('finds a recorded secret in a log, in a binary database file and in an API response', () => {
    const secret = 'sk-planted-provider-key-0001';
    const binary = Buffer.concat([Buffer.from([0, 1, 2, 255]), Buffer.from(secret), Buffer.from([0, 0, 7])]);
    const root = plantRoot('planted', {
      ...recorded([secret]),
      [`${RECORD.output}/1.daemon.log`]: `upstream failed with key ${secret}\n`,
      'home/.tokenomics/tokens.db/000005.ldb': binary,
      [`${RECORD.responses}/2.log`]: `=== GET http://127.0.0.1:1/stats 200\n{"key":"${secret}"}\n`,
    });
    const files = scanRunRoot(root).findings.map((f) => f.file).sort();
    expect(files).toEqual([`${RECORD.output}/1.daemon.log`, 'home/.tokenomics/tokens.db/000005.ldb', `${RECORD.responses}/2.log`].sort());
  });

  it("finds a config file's webhook secret and basic-auth password elsewhere, but not in the config file itself", () => {
    const root = plantRoot('config', {
      'home/config.yaml': 'events:\n  webhooks:\n    - url: http://127.0.0.1:9\n      secret: whsec-planted-value-123\nadmin:\n  auth:\n    username: me\n    password: planted-admin-password\n',
      'home/.tokenomics/memory/2026-12-04.md': 'x-webhook-secret: whsec-planted-value-123\n',
      'home/.tokenomics/logs/proxy.log': '{"msg":"auth","password":"planted-admin-password"}\n',
    });
    expect(scanRunRoot(root).findings.map((f) => f.file).sort()).toEqual(['home/.tokenomics/logs/proxy.log', 'home/.tokenomics/memory/2026-12-04.md']);
  });

  it('finds a raw wrapper token anywhere but in a token-create answer', () => {
    const root = plantRoot('token', {
      [`${RECORD.responses}/1.create.log`]: `{"token":"${TOKEN}"}`,
      [`${RECORD.output}/3.cli.log`]: `using ${TOKEN}\n`,
    });
    expect(scanRunRoot(root).findings).toEqual([{ file: `${RECORD.output}/3.cli.log`, what: 'raw wrapper token tkn_3f2a9c1e…' }]);
  });
});

describe('a daemon with every kind of secret', () => {
  it('leaves none in its files, output or answers, after requests that succeed and fail', async () => {
    const secrets = {
      MOCK_KEY: 'sk-hygiene-provider-key-42',
      TOKENOMICS_EVENTS_WEBHOOKS_0_SECRET: 'whsec-hygiene-shared-secret',
      TOKENOMICS_EVENTS_WEBHOOKS_0_SIGNING_KEY: 'hygiene-signing-key-value',
      TOKENOMICS_ADMIN_AUTH_USERNAME: 'admin',
      TOKENOMICS_ADMIN_AUTH_PASSWORD: 'hygiene-admin-password',
      TOKENOMICS_REMOTE_WEBHOOK_SECRET: 'hygiene-receiver-secret',
    };
    const deliveries: string[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        deliveries.push(body);
        res.writeHead(req.headers['x-webhook-secret'] === secrets.TOKENOMICS_EVENTS_WEBHOOKS_0_SECRET ? 200 : 500).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
    const mock = await startMockUpstream();
    const home = join(scratch.path, 'daemon-home');
    const dir = join(home, '.tokenomics');
    mkdirSync(home, { recursive: true });
    const daemon = await startDaemon({
      home,
      dir,
      env: {
        ...secrets,
        TOKENOMICS_SERVER_UPSTREAM_URL: mock.url,
        TOKENOMICS_EVENTS_WEBHOOKS_0_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
        TOKENOMICS_REMOTE_WEBHOOK_ENABLED: 'true',
        TOKENOMICS_LEDGER_MEMORY: 'true',
        TOKENOMICS_LOGGING_REQUEST_BODY: 'true',
        TOKENOMICS_LOGGING_RESPONSE_BODY: 'true',
      },
    });
    const answers: string[] = [];
    try {
      const { token } = await createToken(dir, { base_key_env: 'MOCK_KEY', memory: { enabled: true }, budgets: [{ tokens: 1000, window: '1d' }] });
      const chat = async (headers: Record<string, string>, body: object) => {
        const res = await fetch(`${daemon.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
        answers.push(JSON.stringify([...res.headers]), await res.text());
      };
      const messages = [{ role: 'user', content: 'hello' }];
      await chat({ authorization: `Bearer ${token}` }, { model: 'gpt-4o-mini', messages });
      await chat({ authorization: `Bearer ${token}` }, { model: 'gpt-4o-mini', messages, stream: true });
      await chat({ authorization: `Bearer ${token}`, 'x-mock-fault': 'status-500' }, { model: 'gpt-4o-mini', messages });
      await chat({ authorization: `Bearer ${token}`, 'x-mock-fault': 'reset-before' }, { model: 'gpt-4o-mini', messages });
      await chat({ authorization: `Bearer ${token}` }, { model: 'gpt-4o-mini', messages, max_tokens: 5000 });
      await chat({ authorization: `Bearer ${token.slice(0, -1)}0` }, { model: 'gpt-4o-mini', messages });
      await chat({ 'x-api-key': token }, { model: 'gpt-4o-mini', messages: 'not a list' });
      for (const path of ['/stats', '/health', `/v1/tokenomics/key`, '/key/info']) {
        const res = await fetch(`${daemon.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
        answers.push(await res.text());
      }
      await fetch(`${daemon.url}/v1/webhook`, { method: 'POST', headers: { 'x-webhook-secret': 'wrong' }, body: '{"type":"token.created"}' }).then(async (r) => answers.push(await r.text()));
      await eventually(() => deliveries.length, (n) => n >= 3);
    } finally {
      await daemon.stop();
      await mock.close();
      receiver.close();
    }
    expect(deliveries.length, 'webhooks were delivered (with the secret)').toBeGreaterThanOrEqual(3);
    const proxyLog = readFileSync(join(dir, 'proxy.log'), 'utf8');
    expect(proxyLog).toContain('upstream request failed');
    const root = plantRoot('daemon-answers', { [`${RECORD.responses}/answers.log`]: answers.join('\n'), [`${RECORD.output}/daemon.log`]: daemon.output() });
    const known = [...Object.values(secrets).filter((v) => v.length >= 8), 'test-hash-key', 'test-encryption-key'];
    const scanned = scanRunRoot(home, known);
    expect(scanned.findings).toEqual([]);
    // The journal, the session file, proxy.log, memory markdown and the database files were all read.
    expect(scanned.filesScanned).toBeGreaterThanOrEqual(6);
    expect(scanRunRoot(root, known).findings).toEqual([]);
    for (const delivery of deliveries) expect(delivery).not.toMatch(RAW_TOKEN);
  });
});
