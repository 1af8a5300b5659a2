// The admin page in a real browser: Debian's Chromium (headless, through playwright-core) against the built daemon
// child process, with the mock provider behind it. Walks the user story (create a key in the form, use it
// through the proxy with the official SDK, watch Live and Analytics, edit its budget, delete it) and checks the
// editor, the safety of rendered values, the narrow layout and the keyboard. Screenshots go to test-artifacts/web/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policySchema, providerPolicySchema } from '../../src/core/policy/schema.js';
import { formatPath } from '../../src/core/validation.js';
import { scratchDir } from '../helpers/cli.js';
import { startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/web/', import.meta.url));
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
const HOSTILE = '<img src=x onerror="window.__xss=1">';
const MODEL = 'gpt-4o-mini';
const SECRET = 'sk-mock-secret';
const WAIT = { timeout: 15_000 };

// Run in the page (as text: this file is type-checked without the DOM library).
const inBrowser = {
  focusedTab: `document.activeElement?.closest('nav[aria-label="Sections"]') ? document.activeElement.textContent : null`,
  focusedText: 'document.activeElement?.textContent ?? null',
  focusOutline: 'getComputedStyle(document.activeElement).outlineStyle',
  clipboard: 'navigator.clipboard.readText()',
  xssMarker: 'window.__xss',
  sidewaysOverflow: 'document.documentElement.scrollWidth - document.documentElement.clientWidth',
};

// A policy that sets every field the schema has, at every level, to check the form shows a control for each.
const EVERY_RULE = { name: 'no-secrets', type: 'regex', pattern: 'secret', keywords: ['a'], detect: ['email'], action: 'warn', scope: 'both' };
const EVERY_PROVIDER_POLICY = { base_key_env: 'MOCK_KEY', upstream_url: 'https://p.example', max_tokens: 5, model: 'm', model_regex: '^m', prompts: [{ role: 'system', content: 'p' }], rules: [{ ...EVERY_RULE, type: 'keyword', pattern: undefined, detect: undefined }], timeout: 9 };
const EVERY_FIELD = {
  base_key_env: 'MOCK_KEY',
  upstream_url: 'https://u.example',
  max_tokens: 100,
  model: 'gpt-4o',
  model_regex: '^gpt',
  prompts: [{ role: 'developer', content: 'be brief' }],
  rules: [{ ...EVERY_RULE, type: 'pii', pattern: undefined, keywords: undefined }],
  providers: { openai: [EVERY_PROVIDER_POLICY] },
  default_provider: 'openai',
  memory: { enabled: true, file_path: 'mem', file_name: 'x.md', redis: false, max_size_mb: 2, compress_old: true },
  rate_limit: { rules: [{ requests: 5, tokens: 1000, window: '1m', strategy: 'fixed' }], max_parallel: 2 },
  retry: { max_retries: 2, fallbacks: ['gpt-4o-mini'], retry_on: [429] },
  timeout: 30,
  metadata: { team: 'web' },
  budgets: [{ usd: 5, window: '1d', calendar: true, model: 'gpt-4o', model_regex: '^gpt', alert_at: 0.8 }],
};

/** The form-control names (`budgets[0].usd`) of every leaf value in `value`; lists of strings or numbers are one control. */
function leafPaths(value: unknown, at: (string | number)[] = []): string[] {
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object')) return [formatPath(at)];
  if (Array.isArray(value)) return value.flatMap((v, i) => leafPaths(v, [...at, i]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => (v === undefined ? [] : leafPaths(v, [...at, k])));
  return [formatPath(at)];
}

const scratch = scratchDir();
const home = scratch.path;
const dir = join(home, '.tokenomics');

let mock: MockUpstream;
let daemon: RunningDaemon;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

interface KeyJson {
  token_hash: string;
  policy_raw: string;
  policy: { max_tokens?: number };
  budgets: { label: string; limit: number; used: number; remaining: number }[];
}

async function adminGet<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${daemon.url}/admin/api${path}`);
  return { status: res.status, body: (await res.json()) as T };
}

async function adminPost<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`${daemon.url}/admin/api${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: daemon.url },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as T;
}

const openai = (apiKey: string) => new OpenAI({ apiKey, baseURL: `${daemon.url}/v1`, maxRetries: 0 });

async function openTab(name: string): Promise<void> {
  // a test that failed with a dialog open must not block the next one
  for (let i = 0; i < 3 && (await page.locator('dialog[open]').count()) > 0; i++) await page.keyboard.press('Escape');
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name, exact: true }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor(WAIT);
}

async function card(label: string): Promise<string> {
  return (await page.locator(`[data-card="${label}"] .card-value`).textContent(WAIT)) ?? '';
}

function shot(name: string): Promise<Buffer> {
  return page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  mock = await startMockUpstream();
  daemon = await startDaemon({ home, dir, env: { TOKENOMICS_SERVER_UPSTREAM_URL: mock.url, MOCK_KEY: SECRET } });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: daemon.url });
  page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('dialog', (dialog) => {
    pageErrors.push(`unexpected browser dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await daemon?.stop();
  await mock?.close();
  scratch.cleanup();
});

describe('admin page', { timeout: 120_000 }, () => {
  it('opens on Analytics and reaches every tab by keyboard', async () => {
    await page.goto(`${daemon.url}/admin/`);
    await page.getByRole('heading', { level: 1, name: 'Analytics' }).waitFor(WAIT);
    expect(await card('Requests')).toBe('0');
    const reached: string[] = [];
    for (let i = 0; i < 30 && reached.length < 6; i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate<string | null>(inBrowser.focusedTab);
      if (focused && !reached.includes(focused)) {
        reached.push(focused);
        expect(await page.evaluate<string>(inBrowser.focusOutline), `focus ring on ${focused}`).not.toBe('none');
      }
      if (focused === 'Keys' && !page.url().endsWith('/keys')) {
        await page.keyboard.press('Enter');
        await page.getByRole('heading', { level: 1, name: 'Keys' }).waitFor(WAIT);
        await page.keyboard.press('Shift+Tab'); // back onto the Keys link, then onwards
      }
    }
    expect(reached).toEqual(['Analytics', 'Keys', 'Sessions', 'Memory', 'Live', 'Docs']);
    expect(new URL(page.url()).pathname).toBe('/admin/keys');
  });

  it('runs the user story: create in the form, use through the proxy, watch Live and Analytics, edit the budget, delete', async () => {
    await openTab('Keys');
    await page.getByRole('button', { name: 'New key' }).click();
    const editor = page.getByRole('dialog', { name: 'New key' });
    await editor.getByLabel('Provider key variable (base_key_env)').fill('MOCK_KEY');
    await editor.getByText('Budgets (not set)').click();
    await editor.getByRole('button', { name: 'Add budget' }).click();
    await editor.getByRole('group', { name: 'Budget 1' }).getByLabel('Tokens').fill('1000');
    await editor.getByRole('button', { name: 'Create key' }).click();

    const tokenDialog = page.getByRole('dialog', { name: 'Key created' });
    const token = await tokenDialog.getByLabel('New token').inputValue(WAIT);
    expect(token).toMatch(/^tkn_/);
    await shot('keys-token-once');
    await tokenDialog.getByRole('button', { name: 'Copy' }).click();
    await tokenDialog.getByText('Copied to the clipboard.').waitFor(WAIT);
    expect(await page.evaluate<string>(inBrowser.clipboard)).toBe(token);
    await tokenDialog.getByRole('button', { name: 'Done' }).click();
    await expect(tokenDialog.count()).resolves.toBe(0);

    const { body: list } = await adminGet<{ tokens: KeyJson[] }>('/keys');
    expect(list.tokens).toHaveLength(1);
    const hash = list.tokens[0]!.token_hash;
    const row = page.locator(`tr[data-hash="${hash}"]`);
    await row.getByText('0 of 1,000 used').waitFor(WAIT);

    await openTab('Live');
    await page.getByText('Stream connected').waitFor(WAIT);
    const answer = await openai(token).chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] });
    expect(answer.choices[0]!.message.content).toBe('Hello from the mock.');
    const liveRow = page.locator('table.live-table tbody tr').first();
    await liveRow.getByText(MODEL).waitFor(WAIT);
    expect(await liveRow.locator('td').nth(1).textContent()).toBe(hash.slice(0, 8));
    expect(await liveRow.locator('td').nth(4).textContent()).toBe('200');
    await shot('live');

    await openTab('Analytics');
    await expect.poll(() => card('Requests'), WAIT).toBe('1');
    expect(await card('Tokens')).toBe('18');
    expect(await card('Errors')).toBe('0');
    await page.getByLabel('Group by').selectOption('model');
    const modelRow = page.locator('table.series-table tbody tr', { hasText: MODEL });
    await expect.poll(() => modelRow.locator('td').nth(1).textContent(WAIT), WAIT).toBe('1');
    // the page's own loads (no favicon request either) never show up as proxy traffic
    expect(await page.locator('table.series-table tbody tr').count()).toBe(1);
    await shot('analytics');

    await openTab('Keys');
    await row.getByText('18 of 1,000 used').waitFor(WAIT);
    await row.getByRole('button', { name: /^Edit key/ }).click();
    const edit = page.getByRole('dialog', { name: /^Edit key/ });
    const tokens = edit.getByRole('group', { name: 'Budget 1' }).getByLabel('Tokens');
    expect(await tokens.inputValue(WAIT)).toBe('1000');
    await tokens.fill('5000');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await row.getByText('18 of 5,000 used').waitFor(WAIT);
    const { body: edited } = await adminGet<KeyJson>(`/keys/${hash}`);
    expect(JSON.parse(edited.policy_raw).budgets[0].tokens).toBe(5000);

    await row.getByRole('button', { name: /^Delete key/ }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete key?' });
    expect(await page.evaluate<string>(inBrowser.focusedText)).toBe('Cancel');
    await confirm.getByRole('button', { name: 'Delete key' }).click();
    await page.getByText(`Deleted key ${hash.slice(0, 16)}.`).waitFor(WAIT);
    await expect.poll(() => row.count(), WAIT).toBe(0); // the list reloads after the notice
    expect((await adminGet(`/keys/${hash}`)).status).toBe(404);
    await expect(openai(token).chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 401 });
    expect(pageErrors).toEqual([]);
  });

  it('keeps the form and the JSON view in sync both ways, and a save keeps blocks the form only shows (memory)', async () => {
    await openTab('Keys');
    await page.getByRole('button', { name: 'New key' }).click();
    const editor = page.getByRole('dialog', { name: 'New key' });
    const json = editor.getByLabel('Policy JSON');
    await editor.getByLabel('Model (exact)').fill('gpt-4o');
    expect(JSON.parse(await json.inputValue())).toEqual({ base_key_env: 'OPENAI_API_KEY', model: 'gpt-4o' });

    await json.fill(JSON.stringify({ base_key_env: 'MOCK_KEY', max_tokens: 77, memory: { enabled: true, file_name: 'notes.md' }, metadata: { team: 'web' } }));
    expect(await editor.getByLabel('Max tokens per request').inputValue()).toBe('77');
    expect(await editor.getByLabel('Model (exact)').inputValue()).toBe('');
    expect(await editor.getByLabel('Record conversations to memory files').isChecked()).toBe(true);
    expect(await editor.getByLabel('File name').inputValue()).toBe('notes.md');
    expect(await editor.getByRole('group', { name: 'Tag 1' }).getByLabel('Value').inputValue()).toBe('web');

    await json.fill('{"base_key_env": ');
    await editor.getByText(/^not valid JSON/).waitFor(WAIT);
    await json.fill(JSON.stringify({ base_key_env: 'MOCK_KEY', max_tokens: 77, memory: { enabled: true, file_name: 'notes.md' } }));
    await editor.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('dialog', { name: 'Key created' }).getByRole('button', { name: 'Done' }).click();

    const { body: list } = await adminGet<{ tokens: KeyJson[] }>('/keys');
    // Found by its policy: keys made within the same second list in either order.
    const hash = list.tokens.find((t) => t.policy.max_tokens === 77)!.token_hash;
    await page.locator(`tr[data-hash="${hash}"]`).getByRole('button', { name: /^Edit key/ }).click();
    const edit = page.getByRole('dialog', { name: /^Edit key/ });
    await edit.getByLabel('Max tokens per request').fill('88');
    expect(JSON.parse(await edit.getByLabel('Policy JSON').inputValue()).max_tokens).toBe(88);
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText(`Saved key ${hash.slice(0, 16)}.`).waitFor(WAIT);
    const stored = JSON.parse((await adminGet<KeyJson>(`/keys/${hash}`)).body.policy_raw);
    expect(stored).toMatchObject({ max_tokens: 88, memory: { enabled: true, file_name: 'notes.md' } });
  });

  it('has a form control for every field of the policy schema, and creates the key with that policy unchanged', async () => {
    const shape = (schema: unknown) => Object.keys((schema as { shape: object }).shape).sort();
    expect(Object.keys(EVERY_FIELD).sort()).toEqual(shape(policySchema));
    expect(Object.keys(EVERY_PROVIDER_POLICY).sort()).toEqual(shape(providerPolicySchema));
    expect(policySchema.safeParse(EVERY_FIELD).error).toBeUndefined();

    // Keys made within the same second list in either order: the new one is the hash that was not there before.
    const before = new Set((await adminGet<{ tokens: KeyJson[] }>('/keys')).body.tokens.map((t) => t.token_hash));
    await openTab('Keys');
    await page.getByRole('button', { name: 'New key' }).click();
    const editor = page.getByRole('dialog', { name: 'New key' });
    await editor.getByLabel('Policy JSON').fill(JSON.stringify(EVERY_FIELD));
    const missing: string[] = [];
    for (const path of leafPaths(EVERY_FIELD)) if ((await editor.locator(`[name="${path}"]`).count()) === 0) missing.push(path);
    expect(missing).toEqual([]);
    expect(await editor.locator('[name="budgets[0].usd"]').inputValue()).toBe('5');
    expect(await editor.locator('[name="providers.openai[0].rules[0].keywords"]').inputValue()).toBe('a');
    expect(await editor.locator('[name="memory.compress_old"]').isChecked()).toBe(true);
    await editor.getByRole('button', { name: 'Format JSON' }).click();
    expect(await editor.getByLabel('Policy JSON').inputValue()).toBe(`${JSON.stringify(EVERY_FIELD, null, 2)}\n`);
    await shot('keys-editor');
    await editor.getByRole('button', { name: 'Create key' }).click();
    const created = page.getByRole('dialog', { name: 'Key created' });
    await created.getByLabel('New token').waitFor(WAIT);
    await created.getByRole('button', { name: 'Done' }).click();
    const { body: list } = await adminGet<{ tokens: KeyJson[] }>('/keys');
    const added = list.tokens.filter((t) => !before.has(t.token_hash));
    expect(added).toHaveLength(1);
    const stored = JSON.parse((await adminGet<KeyJson>(`/keys/${added[0]!.token_hash}`)).body.policy_raw);
    expect(stored).toEqual(JSON.parse(JSON.stringify(EVERY_FIELD)));
  });

  it('shows the schema message for a bad value, refuses to save it, and shows the daemon’s 400 message', async () => {
    const before = (await adminGet<{ count: number }>('/keys')).body.count;
    await page.getByRole('button', { name: 'New key' }).click();
    const editor = page.getByRole('dialog', { name: 'New key' });
    const url = editor.getByLabel('Upstream URL');
    await url.fill('ftp://example');
    await editor.locator('.field.invalid', { has: page.getByLabel('Upstream URL') }).getByText('must be an http:// or https:// URL').waitFor(WAIT);
    expect(await url.getAttribute('aria-invalid')).toBe('true');
    await editor.getByRole('button', { name: 'Create key' }).click();
    await editor.getByText('Fix the problems above before saving.').waitFor(WAIT);
    await shot('keys-validation');
    expect((await adminGet<{ count: number }>('/keys')).body.count).toBe(before);

    await url.fill('');
    await editor.getByLabel('Expires').fill('next tuesday');
    await editor.getByRole('button', { name: 'Create key' }).click();
    const refusal = editor.getByRole('alert').filter({ hasText: 'The daemon refused:' });
    await refusal.waitFor(WAIT);
    expect(await refusal.textContent()).toContain('next tuesday');
    expect((await adminGet<{ count: number }>('/keys')).body.count).toBe(before);

    await page.keyboard.press('Escape');
    await expect.poll(() => editor.count(), WAIT).toBe(0);
  });

  it('renders stored values that look like HTML as text', async () => {
    mkdirSync(join(dir, 'memory', 'notes'), { recursive: true });
    writeFileSync(join(dir, 'memory', 'notes', 'hostile.md'), `# notes\n${HOSTILE}\n`);
    const created = await adminPost<{ token: string; hash: string }>('/keys', { policy: { base_key_env: 'MOCK_KEY', metadata: { note: HOSTILE } } });
    await openai(created.token).chat.completions.create({ model: HOSTILE, messages: [{ role: 'user', content: 'hi' }] }).catch(() => undefined);

    await openTab('Memory');
    await page.getByRole('link', { name: 'notes/hostile.md' }).click();
    await page.locator('pre.file-content').getByText(HOSTILE, { exact: false }).waitFor(WAIT);
    await shot('memory');

    await openTab('Live');
    await page.locator('table.live-table').getByText(HOSTILE).first().waitFor(WAIT);

    await openTab('Keys');
    await page.locator(`tr[data-hash="${created.hash}"]`).getByRole('button', { name: /^Edit key/ }).click();
    const edit = page.getByRole('dialog', { name: /^Edit key/ });
    expect(await edit.getByRole('group', { name: 'Tag 1' }).getByLabel('Value').inputValue(WAIT)).toBe(HOSTILE);
    await page.keyboard.press('Escape');

    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await page.evaluate<unknown>(inBrowser.xssMarker)).toBeUndefined();
    expect(pageErrors).toEqual([]);
  });

  it('shows sessions with a drill-down to their requests', async () => {
    await openTab('Sessions');
    const link = page.locator('table a').first();
    await link.waitFor(WAIT);
    await page.getByText('running').first().waitFor(WAIT);
    await link.click();
    await page.getByRole('heading', { level: 2, name: /^Session / }).waitFor(WAIT);
    await page.getByText('still running').waitFor(WAIT);
    await page.getByRole('table').getByText(MODEL).first().waitFor(WAIT);
    await shot('sessions');
  });

  it('renders the docs from docs/*.md as elements, with working links between them', async () => {
    await openTab('Docs');
    await page.getByRole('link', { name: /policies/i }).first().click();
    await page.locator('article.doc h2').first().waitFor(WAIT);
    expect(await page.locator('article.doc table').count()).toBeGreaterThan(0);
    expect(await page.locator('article.doc pre code').count()).toBeGreaterThan(0);
    await shot('docs');
    await openTab('Keys');
    await shot('keys');
  });

  it('fits a 400 px wide window without scrolling the page sideways', async () => {
    await page.setViewportSize({ width: 400, height: 800 });
    try {
      for (const tab of ['Analytics', 'Keys', 'Sessions', 'Memory', 'Live', 'Docs']) {
        await openTab(tab);
        await page.waitForLoadState('networkidle', WAIT).catch(() => undefined);
        const overflow = await page.evaluate<number>(inBrowser.sidewaysOverflow);
        expect(overflow, `${tab} scrolls sideways by ${overflow}px`).toBeLessThanOrEqual(0);
        await shot(`narrow-${tab.toLowerCase()}`);
      }
      await openTab('Keys');
      await page.getByRole('button', { name: 'New key' }).click();
      const editor = page.getByRole('dialog', { name: 'New key' });
      const box = await editor.boundingBox();
      expect(box!.width).toBeLessThanOrEqual(400);
      await shot('narrow-key-editor');
      await page.keyboard.press('Escape');
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it('says so on every tab when the daemon is down', async () => {
    await openTab('Keys');
    await daemon.stop();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('alert').getByText(/Could not load the keys: cannot reach the daemon/).waitFor(WAIT);
    await page.getByRole('button', { name: 'Retry' }).waitFor(WAIT);
    await openTab('Sessions');
    await page.getByRole('alert').getByText(/Could not load the sessions/).waitFor(WAIT);
    await openTab('Memory');
    await page.getByRole('alert').getByText(/Could not load the memory files/).waitFor(WAIT);
    await openTab('Live');
    await page.getByRole('alert').getByText(/Could not reach the daemon's live stream/).waitFor(WAIT);
    await openTab('Analytics');
    await page.getByRole('alert').getByText(/Could not load the totals/).first().waitFor(WAIT);
    await shot('daemon-down');
  });
});

describe('admin page behind basic auth', { timeout: 120_000 }, () => {
  it('loads, lists and streams with the credentials the browser asked for, and shows nothing without them', async () => {
    const authDir = join(home, '.tokenomics-auth');
    const guarded = await startDaemon({
      home,
      dir: authDir,
      env: { TOKENOMICS_SERVER_UPSTREAM_URL: mock.url, MOCK_KEY: SECRET, TOKENOMICS_ADMIN_AUTH_USERNAME: 'admin', TOKENOMICS_ADMIN_AUTH_PASSWORD: 'pw-for-test' },
    });
    const withAuth = await browser.newContext({ viewport: { width: 1280, height: 800 }, httpCredentials: { username: 'admin', password: 'pw-for-test' } });
    const without = await browser.newContext();
    try {
      const authed = await withAuth.newPage();
      await authed.goto(`${guarded.url}/admin/keys`);
      await authed.getByText('No keys yet.').waitFor(WAIT);
      await authed.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Live' }).click();
      await authed.getByText('Stream connected').waitFor(WAIT);

      // without credentials Chromium gets the 401 challenge and, with nobody to type a password, shows no page
      const refused = await without.newPage();
      await expect(refused.goto(`${guarded.url}/admin/keys`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
      const direct = await fetch(`${guarded.url}/admin/api/keys`);
      expect(direct.status).toBe(401);
      expect(direct.headers.get('www-authenticate')).toBe('Basic realm="tokenomics-admin"');
    } finally {
      await withAuth.close();
      await without.close();
      await guarded.stop();
    }
  });
});
