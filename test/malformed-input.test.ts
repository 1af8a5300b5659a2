// Malformed policies and configurations are each rejected with a message that names the problem.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePolicy, PolicyError } from '../src/core/policy/parse.js';
import { ConfigError } from '../src/core/config/resolve.js';
import { loadConfig } from '../src/daemon/config/load-config.js';
import { scratchDir } from './helpers/cli.js';

const K = '"base_key_env":"OPENAI_API_KEY"';

const BAD_POLICIES: Array<[string, string]> = [
  ['{not json', 'invalid policy JSON'],
  ['', 'invalid policy JSON'],
  ['[]', 'a policy must be a JSON object'],
  ['"text"', 'a policy must be a JSON object'],
  ['{}', 'base_key_env: is required'],
  ['{"model":"gpt-4"}', 'base_key_env: is required'],
  ['{"base_key_env":"HAS SPACE"}', 'base_key_env: must be an environment variable name'],
  [`{${K},"model_regex":"(unclosed"}`, 'model_regex: invalid regex "(unclosed"'],
  [`{${K},"max_tokens":-5}`, 'max_tokens: must be >= 0, got -5'],
  [`{${K},"max_tokens":"lots"}`, 'max_tokens: expected number, got "lots"'],
  [`{${K},"max_tokenz":10}`, 'max_tokenz: unknown field'],
  [`{${K},"upstream_url":"ftp://files"}`, 'upstream_url: must be an http:// or https:// URL'],
  [`{${K},"rules":["good","[bad"]}`, 'rules[1].pattern: invalid rule regex "[bad"'],
  [`{${K},"rules":[{"type":"regex"}]}`, 'rules[0].pattern: regex rule requires a pattern'],
  [`{${K},"rules":[{"type":"keyword","keywords":[]}]}`, 'rules[0].keywords: keyword rule requires at least one keyword'],
  [`{${K},"rules":[{"type":"pii"}]}`, 'rules[0].detect: pii rule requires at least one detect type'],
  [`{${K},"rules":[{"type":"pii","detect":["ssn","passport"]}]}`, 'rules[0].detect[1]: unknown PII type "passport"'],
  [`{${K},"rules":[{"type":"jailbreak","pattern":"x"}]}`, 'jailbreak rule should not have pattern, keywords, or detect fields'],
  [`{${K},"rules":[{"type":"sentiment"}]}`, 'rules[0].type: invalid value "sentiment"; must be regex, keyword, pii, or jailbreak'],
  [`{${K},"rules":[{"pattern":"x","action":"block"}]}`, 'rules[0].action: invalid value "block"; must be fail, warn, log, or mask'],
  [`{${K},"rules":[{"pattern":"x","scope":"everywhere"}]}`, 'rules[0].scope: invalid value "everywhere"; must be input, output, or both'],
  [`{${K},"rules":[42]}`, 'rules[0]: expected object, got 42'],
  [`{${K},"prompts":[{"role":"narrator","content":"x"}]}`, 'prompts[0].role: invalid value "narrator"'],
  [`{${K},"prompts":[{"role":"system"}]}`, 'prompts[0].content: is required'],
  [`{"providers":{"openai":[{"model":"gpt-4o"}]}}`, 'providers.openai[0].base_key_env: is required'],
  [`{"providers":{"openai":{"base_key_env":"X"}}}`, 'providers.openai: expected array, got an object'],
  [`{"providers":{"anthropic":[{"base_key_env":"A","model_regex":"*claude"}]}}`, 'providers.anthropic[0].model_regex: invalid regex "*claude"'],
  [`{${K},"rate_limit":{"rules":[{"requests":10,"window":"fortnight"}]}}`, 'rate_limit.rules[0].window: must be a duration'],
  [`{${K},"rate_limit":{"rules":[{"window":"1m"}]}}`, 'rate_limit.rules[0]: a rate limit rule needs requests or tokens above 0'],
  [`{${K},"rate_limit":{"rules":[{"requests":1,"strategy":"leaky"}]}}`, 'rate_limit.rules[0].strategy: invalid value "leaky"; must be sliding or fixed'],
  [`{${K},"rate_limit":{"max_parallel":1.5}}`, 'rate_limit.max_parallel: expected a whole number'],
  [`{${K},"retry":{"max_retries":50}}`, 'retry.max_retries: must be <= 10, got 50'],
  [`{${K},"retry":{"retry_on":[700]}}`, 'retry.retry_on[0]: must be <= 599, got 700'],
  [`{${K},"timeout":0}`, 'timeout: must be > 0, got 0'],
  [`{${K},"metadata":{"team":7}}`, 'metadata.team: expected string, got 7'],
  [`{${K},"memory":{"enabled":"yes"}}`, 'memory.enabled: expected boolean, got "yes"'],
  [`{${K},"budgets":[{"usd":5}]}`, 'budgets[0].window: is required; one of 1h, 1d, 7d, 30d, 1mo, or total'],
  [`{${K},"budgets":[{"window":"1d"}]}`, 'budgets[0]: a budget needs exactly one of "tokens" or "usd"'],
  [`{${K},"budgets":[{"tokens":10,"usd":1,"window":"1d"}]}`, 'budgets[0]: a budget needs exactly one of "tokens" or "usd"'],
  [`{${K},"budgets":[{"usd":-1,"window":"1d"}]}`, 'budgets[0].usd: must be > 0, got -1'],
  [`{${K},"budgets":[{"usd":1,"window":"fortnight"}]}`, 'budgets[0].window: invalid value "fortnight"'],
  [`{${K},"budgets":[{"usd":1,"window":"1d","alert_at":1.5}]}`, 'budgets[0].alert_at: must be < 1, got 1.5'],
  [`{${K},"budgets":[{"usd":1,"window":"total","calendar":true}]}`, 'budgets[0].calendar: calendar: true needs a window other than "total"'],
];

describe('malformed policies', () => {
  it('has at least 25 cases', () => expect(BAD_POLICIES.length).toBeGreaterThanOrEqual(25));

  it.each(BAD_POLICIES)('rejects %s', (raw, message) => {
    let error: unknown;
    try {
      parsePolicy(raw);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message.startsWith('invalid policy: ')).toBe(true);
  });

  it('accepts the forms the original accepted', () => {
    expect(parsePolicy(`{${K}}`).policy.base_key_env).toBe('OPENAI_API_KEY');
    expect(parsePolicy(`{${K},"rules":["(?i)secret","badword"]}`).policy.rules).toEqual([
      { type: 'regex', pattern: '(?i)secret', action: 'fail', scope: 'input' },
      { type: 'regex', pattern: 'badword', action: 'fail', scope: 'input' },
    ]);
    expect(parsePolicy('{"providers":{"openai":[{"base_key_env":"X","model_regex":"^gpt"}]}}').policy.providers?.openai).toHaveLength(1);
    expect(parsePolicy(`{${K},"rules":[{"type":"pii","detect":["SSN","Email"],"action":"mask"}]}`).policy.rules?.[0]).toMatchObject({ detect: ['ssn', 'email'] });
    const raw = `{ ${K} ,  "model":"gpt-4o" }`;
    expect(parsePolicy(raw).raw).toBe(raw);
  });
});

const BAD_CONFIGS: Array<[string, string]> = [
  ['server: [1, 2', 'invalid YAML'],
  ['server: 8080', 'server: expected a section of fields, got 8080'],
  ['server:\n  htp_port: 80', 'server.htp_port: unknown field (did you mean server.http_port?)'],
  ['colour: blue', 'colour: unknown field'],
  ['server:\n  http_port: eighty', 'server.http_port: expected a whole number, got "eighty"'],
  ['server:\n  http_port: 70000', 'server.http_port: must be between 0 and 65535, got 70000'],
  ['server:\n  https_port: -1', 'server.https_port: must be between 0 and 65535, got -1'],
  ['server:\n  upstream_url: api.openai.com', 'server.upstream_url: expected an http:// or https:// URL'],
  ['server:\n  tls:\n    enabled: maybe', 'server.tls.enabled: expected true or false, got "maybe"'],
  ['server:\n  tls:\n    cert_file: /c.pem', 'server.tls.key_file: is required when server.tls.cert_file is set'],
  ['server:\n  tls:\n    key_file: /k.pem', 'server.tls.cert_file: is required when server.tls.key_file is set'],
  ['session:\n  backend: postgres', 'session.backend: must be memory or redis, got "postgres"'],
  ['session:\n  on_backend_error: retry', 'session.on_backend_error: must be fail_closed or fail_open'],
  ['session:\n  redis:\n    db: 1.5', 'session.redis.db: expected a whole number, got 1.5'],
  ['logging:\n  level: verbose', 'logging.level: must be debug, info, warn, or error, got "verbose"'],
  ['logging:\n  format: xml', 'logging.format: must be json or text, got "xml"'],
  ['logging:\n  file:\n    level: loud', 'logging.file.level: must be debug, info, warn, or error'],
  ['admin:\n  auth:\n    username: me', 'admin.auth.password: basic auth needs both a username and a password'],
  ['admin:\n  enabled: [yes]', 'admin.enabled: expected true or false, got a list'],
  ['events:\n  webhooks:\n    - secret: s', 'events.webhooks: [0] url: is required'],
  ['events:\n  webhooks:\n    - url: not-a-url', 'events.webhooks: [0] url: must be an http:// or https:// URL'],
  ['events:\n  webhooks:\n    - url: http://127.0.0.1:9\n      timeout: -3', 'events.webhooks: [0] timeout: must be > 0, got -3'],
  ['events:\n  webhooks:\n    - url: http://127.0.0.1:9\n      retries: 3', 'events.webhooks: [0] retries: unknown field'],
  ['events:\n  webhooks: {url: "http://x"}', 'events.webhooks: expected a list of webhooks, got an object'],
  ['remote:\n  sync: soon', 'remote.sync: expected a whole number, got "soon"'],
  ['remote:\n  webhook:\n    auto_register: true', 'remote.webhook.callback_url: is required when auto_register is true'],
  ['remote:\n  webhook:\n    path: hook', 'remote.webhook.path: must start with /'],
  ['cli_maps: [claude]', 'cli_maps: expected a map of name: value, got a list'],
  ['cli_maps:\n  claude: 3', 'cli_maps: claude: expected text, got 3'],
  ['ledger:\n  memory: "sometimes"', 'ledger.memory: expected true or false, got "sometimes"'],
  ['pricing:\n  gpt-4o:\n    input: 2.5', 'pricing: gpt-4o.output: is required'],
  ['pricing:\n  gpt-4o:\n    input: -1\n    output: 1', 'pricing: gpt-4o.input: must be >= 0, got -1'],
  ['providers:\n  custom:\n    upstream_url: nowhere', 'providers: custom.upstream_url: must be an http:// or https:// URL'],
  ['providers:\n  custom:\n    upstream_url: http://127.0.0.1:1\n    auth_scheme: magic', 'providers: custom.auth_scheme: invalid value "magic"'],
];

describe('malformed configuration files', () => {
  const scratch = scratchDir();
  afterAll(() => scratch.cleanup());

  it('has at least 25 cases', () => expect(BAD_CONFIGS.length).toBeGreaterThanOrEqual(25));

  it.each(BAD_CONFIGS.map(([yaml, msg], i) => [i, yaml, msg] as const))('case %i: %s', (i, yaml, message) => {
    const cwd = join(scratch.path, `c${i}`);
    mkdirSync(cwd, { recursive: true });
    const file = join(cwd, 'config.yaml');
    writeFileSync(file, `${yaml}\n`);
    let error: unknown;
    try {
      loadConfig({ cwd, home: cwd, env: {} });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message.startsWith(`${file}: `)).toBe(true);
    expect((error as Error).message).not.toContain('\n');
  });
});

const BAD_ENV: Array<[Record<string, string>, string]> = [
  [{ TOKENOMICS_SERVER_HTTP_PORT: 'abc' }, '$TOKENOMICS_SERVER_HTTP_PORT: expected a whole number, got "abc"'],
  [{ TOKENOMICS_LEDGER_ENABLED: 'nope' }, '$TOKENOMICS_LEDGER_ENABLED: expected true or false, got "nope"'],
  [{ TOKENOMICS_SESSION_BACKEND: 'mysql' }, '$TOKENOMICS_SESSION_BACKEND: must be memory or redis'],
  [{ TOKENOMICS_EVENTS_WEBHOOKS: '[{"url":' }, '$TOKENOMICS_EVENTS_WEBHOOKS: expected JSON'],
  [{ TOKENOMICS_EVENTS_WEBHOOKS_1_URL: 'http://127.0.0.1:9' }, 'webhook index 1 skips 0'],
  [{ TOKENOMICS_EVENTS_WEBHOOKS_0_COLOR: 'red' }, '$TOKENOMICS_EVENTS_WEBHOOKS_0_COLOR: unknown webhook variable'],
  [{ TOKENOMICS_CLI_MAPS: 'claude' }, '$TOKENOMICS_CLI_MAPS: expected name=value pairs'],
  [{ TOKENOMICS_PRICING: '{"m":{"input":"free","output":0}}' }, '$TOKENOMICS_PRICING: m.input: expected number, got "free"'],
];

describe('malformed environment variables', () => {
  it.each(BAD_ENV)('rejects %j', (env, message) => {
    expect(() => loadConfig({ cwd: '/nonexistent-cwd', home: '/nonexistent-home', env: { ...env } })).toThrow(message);
  });
});
