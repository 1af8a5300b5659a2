// Precedence: flags > environment > config file > defaults, for each kind of field; file search and .env loading.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig, valueAt, type FlagValue } from '../src/core/config/resolve.js';
import { loadConfig } from '../src/daemon/config/load-config.js';
import { runCli, scratchDir } from './helpers/cli.js';

interface Case {
  readonly path: string;
  readonly env: string;
  readonly values: { readonly def: unknown; readonly file: unknown; readonly env: string; readonly flag: unknown };
  readonly expected: { readonly file: unknown; readonly env: unknown; readonly flag: unknown };
}

const CASES: Case[] = [
  { path: 'server.http_port', env: 'TOKENOMICS_SERVER_HTTP_PORT', values: { def: 8080, file: 9001, env: '9002', flag: 9003 }, expected: { file: 9001, env: 9002, flag: 9003 } },
  { path: 'logging.level', env: 'TOKENOMICS_LOGGING_LEVEL', values: { def: 'info', file: 'warn', env: 'error', flag: 'debug' }, expected: { file: 'warn', env: 'error', flag: 'debug' } },
  { path: 'ledger.memory', env: 'TOKENOMICS_LEDGER_MEMORY', values: { def: true, file: false, env: 'true', flag: false }, expected: { file: false, env: true, flag: false } },
  { path: 'storage.db_path', env: 'TOKENOMICS_STORAGE_DB_PATH', values: { def: '/home/u/.tokenomics/tokenomics.db', file: '/f/db', env: '/e/db', flag: '/x/db' }, expected: { file: '/f/db', env: '/e/db', flag: '/x/db' } },
  { path: 'remote.url', env: 'TOKENOMICS_REMOTE_URL', values: { def: '', file: 'http://file:9090', env: 'http://env:9090', flag: 'http://flag:9090' }, expected: { file: 'http://file:9090', env: 'http://env:9090', flag: 'http://flag:9090' } },
];

function fileData(path: string, value: unknown): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  const parts = path.split('.');
  let node = root;
  for (const p of parts.slice(0, -1)) node = (node[p] = {}) as Record<string, unknown>;
  node[parts[parts.length - 1]!] = value;
  return root;
}

const LAYERS = ['file', 'env', 'flag'] as const;
const combos = Array.from({ length: 8 }, (_, bits) => LAYERS.filter((_, i) => bits & (1 << i)));

describe('precedence matrix (defaults < file < env < flags)', () => {
  for (const c of CASES) {
    it.each(combos.map((layers) => [layers.join('+') || 'defaults only', layers] as const))(`${c.path} with %s`, (_label, layers) => {
      const flags: FlagValue[] = layers.includes('flag') ? [{ path: c.path, flag: '--test-flag', value: c.values.flag }] : [];
      const { config, sources } = resolveConfig({
        home: '/home/u',
        cwd: '/projects',
        file: layers.includes('file') ? { path: '/etc/t/config.yaml', data: fileData(c.path, c.values.file) } : undefined,
        env: layers.includes('env') ? { [c.env]: c.values.env } : {},
        flags,
      });
      const winner = [...layers].pop();
      expect(valueAt(config, c.path)).toEqual(winner ? c.expected[winner] : c.values.def);
      const expectedSource = { file: { kind: 'file', file: '/etc/t/config.yaml' }, env: { kind: 'env', name: c.env }, flag: { kind: 'flag', name: '--test-flag' } };
      expect(sources.get(c.path)).toEqual(winner ? expectedSource[winner] : { kind: 'default' });
    });
  }

  it('map fields merge per entry across layers', () => {
    const { config, sources } = resolveConfig({
      home: '/h', cwd: '/w',
      file: { path: '/c.yaml', data: { cli_maps: { aider: 'openai', python: 'openai' } } },
      env: { TOKENOMICS_CLI_MAPS_PYTHON: 'anthropic' },
    });
    expect(config.cli_maps).toEqual({ claude: 'anthropic', anthropic: 'anthropic', python: 'anthropic', node: 'generic', curl: 'generic', aider: 'openai' });
    expect(sources.get('cli_maps.aider')).toEqual({ kind: 'file', file: '/c.yaml' });
    expect(sources.get('cli_maps.python')).toEqual({ kind: 'env', name: 'TOKENOMICS_CLI_MAPS_PYTHON' });
  });
});

describe('paths follow dir', () => {
  it('puts every derived path under --dir', () => {
    const { config } = resolveConfig({ home: '/home/u', cwd: '/projects', env: {}, flags: [{ path: 'dir', flag: '--dir', value: '/data/tk' }] });
    expect(config.dir).toBe('/data/tk');
    expect(config.storage.db_path).toBe('/data/tk/tokenomics.db');
    expect(config.server.tls.cert_dir).toBe('/data/tk/certs');
    expect(config.logging.file.path).toBe('/data/tk/tokenomics.log');
    expect(config.logging.proxy_log_file).toBe('/data/tk/proxy.log');
  });

  it('defaults dir to ~/.tokenomics and resolves relative file paths under it', () => {
    const { config } = resolveConfig({
      home: '/home/u', cwd: '/projects', env: {},
      file: { path: '/c.yaml', data: { storage: { db_path: './tokenomics.db' }, server: { tls: { cert_dir: 'my-certs' } }, logging: { file: { path: '~/logs/t.log' } } } },
    });
    expect(config.dir).toBe('/home/u/.tokenomics');
    expect(config.storage.db_path).toBe('/home/u/.tokenomics/tokenomics.db');
    expect(config.server.tls.cert_dir).toBe('/home/u/.tokenomics/my-certs');
    expect(config.logging.file.path).toBe('/home/u/logs/t.log');
  });

  it('a relative --dir from the environment is taken from the working directory', () => {
    const { config } = resolveConfig({ home: '/h', cwd: '/projects', env: { TOKENOMICS_DIR: 'state' } });
    expect(config.dir).toBe('/projects/state');
    expect(config.storage.db_path).toBe('/projects/state/tokenomics.db');
  });
});

describe('config files and .env', () => {
  const scratch = scratchDir();
  afterAll(() => scratch.cleanup());
  const root = scratch.path;

  function setup(name: string): { home: string; cwd: string } {
    const home = join(root, name, 'home');
    const cwd = join(root, name, 'cwd');
    mkdirSync(join(home, '.tokenomics'), { recursive: true });
    mkdirSync(cwd, { recursive: true });
    return { home, cwd };
  }

  it('prefers --config, then ./config.yaml, then ~/.tokenomics/config.yaml', () => {
    const { home, cwd } = setup('search');
    writeFileSync(join(home, '.tokenomics', 'config.yaml'), 'server:\n  http_port: 1111\n');
    expect(loadConfig({ home, cwd, env: {} }).config.server.http_port).toBe(1111);
    writeFileSync(join(cwd, 'config.yaml'), 'server:\n  http_port: 2222\n');
    expect(loadConfig({ home, cwd, env: {} }).config.server.http_port).toBe(2222);
    writeFileSync(join(cwd, 'other.yaml'), 'server:\n  http_port: 3333\n');
    const loaded = loadConfig({ home, cwd, env: {}, configPath: 'other.yaml' });
    expect(loaded.config.server.http_port).toBe(3333);
    expect(loaded.file).toBe(join(cwd, 'other.yaml'));
    expect(() => loadConfig({ home, cwd, env: {}, configPath: 'missing.yaml' })).toThrow(/missing\.yaml: config file not found/);
  });

  it('.env files fill unset variables only: real env > ./.env > {dir}/.env', () => {
    const { home, cwd } = setup('dotenv');
    writeFileSync(join(cwd, '.env'), 'TOKENOMICS_SERVER_HTTP_PORT=4444\nTOKENOMICS_LOGGING_LEVEL=warn\nMY_PROVIDER_KEY=from-cwd\n');
    writeFileSync(join(home, '.tokenomics', '.env'), 'TOKENOMICS_SERVER_HTTPS_PORT=5555\nTOKENOMICS_SERVER_HTTP_PORT=1\nMY_OTHER_KEY=from-dir\n');
    const env: NodeJS.ProcessEnv = { TOKENOMICS_LOGGING_LEVEL: 'error' };
    const loaded = loadConfig({ home, cwd, env });
    expect(loaded.config.server.http_port).toBe(4444);
    expect(loaded.config.server.https_port).toBe(5555);
    expect(loaded.config.logging.level).toBe('error');
    expect(env.MY_PROVIDER_KEY).toBe('from-cwd');
    expect(env.MY_OTHER_KEY).toBe('from-dir');
    expect(loaded.envFiles).toEqual([join(cwd, '.env'), join(home, '.tokenomics', '.env')]);
  });

  it('config show reports values and their sources, with secrets masked', async () => {
    const { home, cwd } = setup('show');
    writeFileSync(join(cwd, 'config.yaml'), [
      'server:', '  http_port: 7000', 'admin:', '  auth:', '    username: me', '    password: hunter2-secret',
      'events:', '  webhooks:', '    - url: http://127.0.0.1:9/hook', '      secret: whsec-very-secret', '',
    ].join('\n'));
    const res = await runCli(['config', 'show', '--json', '--dir', join(root, 'show', 'data')], {
      home, cwd, env: { TOKENOMICS_SERVER_HTTPS_PORT: '7443', TOKENOMICS_REMOTE_API_KEY: 'remote-secret-key' },
    });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).not.toMatch(/hunter2-secret|whsec-very-secret|remote-secret-key/);
    const shown = JSON.parse(res.stdout);
    expect(shown.file).toBe(join(cwd, 'config.yaml'));
    expect(shown.config.server).toMatchObject({ http_port: 7000, https_port: 7443, bind: '127.0.0.1' });
    expect(shown.config.admin.auth).toEqual({ username: 'me', password: '****' });
    expect(shown.config.events.webhooks[0].secret).toBe('****');
    expect(shown.config.storage.db_path).toBe(join(root, 'show', 'data', 'tokenomics.db'));
    expect(shown.sources).toMatchObject({
      'server.http_port': join(cwd, 'config.yaml'),
      'server.https_port': '$TOKENOMICS_SERVER_HTTPS_PORT',
      dir: '--dir',
      'storage.db_path': 'default',
      'cli_maps.claude': 'default',
    });
    const table = await runCli(['config', 'show'], { home, cwd, env: { TOKENOMICS_REMOTE_API_KEY: 'remote-secret-key' } });
    expect(table.stdout).toMatch(/^server\.http_port\s+7000\s+\S+config\.yaml$/m);
    expect(table.stdout).toMatch(/^remote\.api_key\s+\*\*\*\*\s+\$TOKENOMICS_REMOTE_API_KEY$/m);
    expect(table.stdout).not.toContain('remote-secret-key');
  });

  it('a bad config file stops every command with one line and exit code 2', async () => {
    const { home, cwd } = setup('bad');
    writeFileSync(join(cwd, 'config.yaml'), 'server:\n  htp_port: 80\n');
    const res = await runCli(['token', 'list'], { home, cwd });
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe(`Error: ${join(cwd, 'config.yaml')}: server.htp_port: unknown field (did you mean server.http_port?)`);
  });
});
