// Every configuration field maps to TOKENOMICS_<PATH>, generated from the one field list, checked against the seed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envVarFor, FIELDS, type FieldDef } from '../src/core/config/fields.js';
import { resolveConfig, valueAt } from '../src/core/config/resolve.js';

const base = { home: '/home/user', cwd: '/work' };

/** A value for a field's env var, and what the resolved config should then hold. */
function sample(field: FieldDef): { env: string; expect: (value: unknown) => void } {
  switch (field.kind) {
    case 'string':
      return { env: `/from-env/${field.path}`, expect: (v) => expect(v).toBe(`/from-env/${field.path}`) };
    case 'path':
      return { env: `/from-env/${field.path}`, expect: (v) => expect(v).toBe(`/from-env/${field.path}`) };
    case 'url':
      return { env: 'http://127.0.0.1:1234/base', expect: (v) => expect(v).toBe('http://127.0.0.1:1234/base') };
    case 'int':
      return { env: '7', expect: (v) => expect(v).toBe(7) };
    case 'port':
      return { env: '4321', expect: (v) => expect(v).toBe(4321) };
    case 'bool':
      return { env: String(!field.default), expect: (v) => expect(v).toBe(!field.default) };
    case 'enum': {
      const other = field.values!.find((x) => x !== field.default)!;
      return { env: other, expect: (v) => expect(v).toBe(other) };
    }
    case 'string-map':
      return { env: 'zed=openai', expect: (v) => expect(v).toMatchObject({ zed: 'openai', claude: 'anthropic' }) };
    case 'webhooks':
      return {
        env: '[{"url":"http://127.0.0.1:9/hook","events":["token.*"]}]',
        expect: (v) => expect(v).toEqual([{ url: 'http://127.0.0.1:9/hook', secret: '', signing_key: '', events: ['token.*'], timeout: 10, insecure: false }]),
      };
    case 'pricing':
      return { env: '{"my-model":{"input":1.5,"output":6}}', expect: (v) => expect(v).toEqual({ 'my-model': { input: 1.5, output: 6 } }) };
    case 'providers':
      return { env: '{"custom":{"upstream_url":"http://127.0.0.1:9"}}', expect: (v) => expect(v).toMatchObject({ custom: { upstream_url: 'http://127.0.0.1:9', auth_scheme: 'bearer' } }) };
  }
}

/** Fields that are only valid together with another one. */
const COMPANIONS: Record<string, Record<string, string>> = {
  'admin.auth.username': { TOKENOMICS_ADMIN_AUTH_PASSWORD: 'pw' },
  'admin.auth.password': { TOKENOMICS_ADMIN_AUTH_USERNAME: 'user' },
  'server.tls.cert_file': { TOKENOMICS_SERVER_TLS_KEY_FILE: '/k.pem' },
  'server.tls.key_file': { TOKENOMICS_SERVER_TLS_CERT_FILE: '/c.pem' },
  'remote.webhook.auto_register': { TOKENOMICS_REMOTE_WEBHOOK_CALLBACK_URL: 'http://127.0.0.1:1/cb' },
};

describe('TOKENOMICS_* environment variables', () => {
  it.each(FIELDS.map((f) => [envVarFor(f.path), f] as const))('%s sets the field and is reported as its source', (name, field) => {
    const s = sample(field);
    const { config, sources } = resolveConfig({ ...base, env: { [name]: s.env, ...COMPANIONS[field.path] } });
    s.expect(valueAt(config, field.path));
    expect(sources.get(field.path)).toEqual({ kind: 'env', name });
  });

  it('names follow the seed rule: dots become underscores, upper case', () => {
    expect(envVarFor('server.tls.cert_dir')).toBe('TOKENOMICS_SERVER_TLS_CERT_DIR');
    expect(envVarFor('remote.webhook.auto_register')).toBe('TOKENOMICS_REMOTE_WEBHOOK_AUTO_REGISTER');
    expect(envVarFor('cli_maps')).toBe('TOKENOMICS_CLI_MAPS');
  });

  it('sets one cli_maps entry with TOKENOMICS_CLI_MAPS_<NAME>', () => {
    const { config, sources } = resolveConfig({ ...base, env: { TOKENOMICS_CLI_MAPS_CODEX: 'openai' } });
    expect(config.cli_maps).toMatchObject({ codex: 'openai', claude: 'anthropic' });
    expect(sources.get('cli_maps.codex')).toEqual({ kind: 'env', name: 'TOKENOMICS_CLI_MAPS_CODEX' });
    expect(sources.get('cli_maps.claude')).toEqual({ kind: 'default' });
  });

  it('sets webhook fields one by one with TOKENOMICS_EVENTS_WEBHOOKS_<N>_<FIELD>', () => {
    const { config } = resolveConfig({
      ...base,
      env: {
        TOKENOMICS_EVENTS_WEBHOOKS_0_URL: 'http://127.0.0.1:9/a',
        TOKENOMICS_EVENTS_WEBHOOKS_0_EVENTS: 'token.*, rule.violation',
        TOKENOMICS_EVENTS_WEBHOOKS_0_TIMEOUT: '3',
        TOKENOMICS_EVENTS_WEBHOOKS_1_URL: 'https://hooks.example/b',
        TOKENOMICS_EVENTS_WEBHOOKS_1_INSECURE: 'true',
        TOKENOMICS_EVENTS_WEBHOOKS_1_SIGNING_KEY: 'sign',
      },
    });
    expect(config.events.webhooks).toEqual([
      { url: 'http://127.0.0.1:9/a', secret: '', signing_key: '', events: ['token.*', 'rule.violation'], timeout: 3, insecure: false },
      { url: 'https://hooks.example/b', secret: '', signing_key: 'sign', events: [], timeout: 10, insecure: true },
    ]);
  });

  it('patches a webhook from the file with an indexed variable', () => {
    const { config } = resolveConfig({
      ...base,
      file: { path: '/c.yaml', data: { events: { webhooks: [{ url: 'http://127.0.0.1:9/a', secret: 'file' }] } } },
      env: { TOKENOMICS_EVENTS_WEBHOOKS_0_SECRET: 'env' },
    });
    expect(config.events.webhooks[0]).toMatchObject({ url: 'http://127.0.0.1:9/a', secret: 'env' });
  });

  it('accepts cli_maps as JSON too', () => {
    const { config } = resolveConfig({ ...base, env: { TOKENOMICS_CLI_MAPS: '{"Aider":"openai"}' } });
    expect(config.cli_maps.aider).toBe('openai');
  });
});

// The seed document is the contract; when it is beside the repository (as in CI), every field it lists must exist.
const seedDir = new URL('../../shared/seed/', import.meta.url);
const seedFiles = existsSync(seedDir) ? readdirSync(seedDir).filter((f) => f.endsWith('.txt')) : [];

describe.skipIf(seedFiles.length === 0)('the seed configuration document', () => {
  const text = seedFiles.map((f) => readFileSync(new URL(f, seedDir), 'utf8')).join('\n');
  const known = new Set(FIELDS.map((f) => f.path));
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.includes('| Field | Default | Description |'));
  // Rows of the field table are: field line, default line, description line (the description may share the default's line).
  const seedFields: string[] = [];
  for (let i = start + 2; i < lines.length && lines[i]!.endsWith('|'); i++) {
    const m = /^([a-z_]+(?:\.[a-z_]+)*(?:\[\]\.[a-z_]+)?) \|$/.exec(lines[i]!);
    const previous = lines[i - 1]!;
    if (m && (previous.startsWith('|---') || previous.trim().split(/\s+/).length > 3)) seedFields.push(m[1]!);
  }
  const envPairs = lines.flatMap((l, i) => {
    const field = /^([a-z_]+(?:\.[a-z_]+)*) \|$/.exec(l);
    const env = /^(TOKENOMICS_[A-Z_]+) \|$/.exec(lines[i + 1] ?? '');
    // In the main table a field's default can look like an env name (security.hash_key_env): that is not a mapping row.
    const isDefault = field && FIELDS.find((f) => f.path === field[1])?.default === env?.[1];
    return field && env && !isDefault ? [[field[1]!, env[1]!] as const] : [];
  });

  it('lists fields we recognise', () => {
    expect(seedFields.length).toBeGreaterThan(40);
    const missing = seedFields.map((f) => f.replace(/\[\]\..*$/, '')).filter((f) => !known.has(f));
    expect(missing).toEqual([]);
  });

  it('maps each field to exactly the env name we derive', () => {
    expect(envPairs.length).toBeGreaterThan(30);
    expect(envPairs.filter(([field, env]) => envVarFor(field) !== env || !known.has(field))).toEqual([]);
  });
});
