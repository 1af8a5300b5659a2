// Property-based fuzzing (fast-check, fixed seeds, bounded runs) of the parsers that read what users and disks hand
// the gateway: policy JSON, config YAML and session files. Whatever the input, each either accepts it or refuses it
// with its own error type and a one-line message naming the problem; nothing else is ever thrown.
import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/config/resolve.js';
import { parsePolicy, PolicyError } from '../../src/core/policy/parse.js';
import { loadConfig } from '../../src/daemon/config/load-config.js';
import { journalSummary, readJournal, readSummaryFile } from '../../src/daemon/ledger/session-files.js';
import { scratchDir } from '../helpers/cli.js';

const scratch = scratchDir();
afterAll(() => scratch.cleanup());
const RUNS = { numRuns: 300, seed: 20261204 } as const;

/** Values that look like what a policy or config holds, with the odd wrong type. */
const leaf = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer({ min: -5, max: 1_000_000 }),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('1d', '7d', 'total', '1mo', 'gpt-4o', '^claude', '(unclosed', 'mask', 'fail', 'pii', 'regex', 'http://127.0.0.1:1', 'OPENAI_API_KEY'),
);
const value = fc.letrec((tie) => ({
  any: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('any'), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 8 }), tie('any'), { maxKeys: 4 })),
})).any;

const POLICY_FIELDS = ['base_key_env', 'model', 'model_regex', 'max_tokens', 'budgets', 'rules', 'prompts', 'rate_limit', 'retry', 'timeout', 'providers', 'metadata', 'memory', 'upstream_url', 'default_provider', 'fallback_models'];
const policyLike = fc.dictionary(fc.constantFrom(...POLICY_FIELDS), value, { maxKeys: 6 });

function expectPolicyVerdict(raw: string): void {
  try {
    parsePolicy(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    expect((err as Error).message.startsWith('invalid policy: ')).toBe(true);
    expect((err as Error).message.length).toBeGreaterThan('invalid policy: '.length);
  }
}

describe('policy JSON', () => {
  it('arbitrary text: accepted or PolicyError', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), expectPolicyVerdict), RUNS);
  });

  it('policy-shaped objects with arbitrary values: accepted or PolicyError', () => {
    fc.assert(
      fc.property(policyLike, fc.boolean(), (policy, withKey) => expectPolicyVerdict(JSON.stringify(withKey ? { base_key_env: 'OPENAI_API_KEY', ...policy } : policy))),
      RUNS,
    );
  });

  it('arbitrary JSON values: accepted or PolicyError', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (json) => expectPolicyVerdict(JSON.stringify(json))), RUNS);
  });
});

const CONFIG_SECTIONS = ['server', 'storage', 'session', 'logging', 'ledger', 'events', 'remote', 'admin', 'pricing', 'providers', 'cli_maps', 'default_provider', 'dir'];
const CONFIG_FIELDS = ['http_port', 'https_port', 'bind', 'upstream_url', 'tls', 'enabled', 'level', 'format', 'backend', 'redis', 'webhooks', 'auth', 'memory', 'db_path', 'url', 'sync', 'input', 'output'];
const configLike = fc.dictionary(fc.constantFrom(...CONFIG_SECTIONS), fc.oneof(value, fc.dictionary(fc.constantFrom(...CONFIG_FIELDS), value, { maxKeys: 4 })), { maxKeys: 4 });

describe('config YAML', () => {
  let n = 0;
  function expectConfigVerdict(text: string): void {
    const cwd = join(scratch.path, `config-${n++}`);
    mkdirSync(cwd, { recursive: true });
    const file = join(cwd, 'config.yaml');
    writeFileSync(file, text);
    try {
      loadConfig({ cwd, home: cwd, env: {} });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as Error).message;
      expect(message.startsWith(`${file}: `)).toBe(true);
      expect(message).not.toContain('\n');
    }
  }

  it('config-shaped documents with arbitrary values: loaded or one ConfigError line', () => {
    fc.assert(fc.property(configLike, (doc) => expectConfigVerdict(stringify(doc))), { ...RUNS, numRuns: 200 });
  });

  it('arbitrary text: loaded or one ConfigError line', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), expectConfigVerdict), { ...RUNS, numRuns: 200 });
  });
});

describe('session files', () => {
  const folder = join(scratch.path, 'sessions');
  mkdirSync(folder, { recursive: true });
  let n = 0;
  const requestLike = fc.record(
    { kind: fc.constant('request'), timestamp: fc.oneof(fc.constant('2026-12-04T08:00:00.000Z'), fc.string({ maxLength: 10 })), input_tokens: value, output_tokens: value, status_code: value, model: value, token_hash: value, cost_usd: value, provider_meta: value, rule_matches: value },
    { requiredKeys: ['kind', 'timestamp'] },
  );
  const line = fc.oneof(fc.string({ maxLength: 60 }), requestLike.map((r) => JSON.stringify(r)), fc.jsonValue({ maxDepth: 3 }).map((j) => JSON.stringify(j)));

  it('a journal of arbitrary lines: read and summarised, damaged lines skipped with a warning, never thrown', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 8 }), async (lines) => {
        const path = join(folder, `2026-12-04_${(n++).toString(16).padStart(8, '0')}.jsonl`);
        writeFileSync(path, lines.join('\n'));
        const warnings: string[] = [];
        const content = await readJournal(path, (w) => warnings.push(w));
        const summary = journalSummary(path, content, { recovered: true });
        expect(summary.requests.length).toBe(content.requests.length);
        for (const total of Object.values(summary.totals)) expect(Number.isFinite(total), JSON.stringify(summary.totals)).toBe(true);
        for (const warning of warnings) expect(warning).toContain(path);
      }),
      RUNS,
    );
  });

  it('a session JSON of arbitrary content: read or skipped with a warning naming the file', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.jsonValue({ maxDepth: 4 }).map((j) => JSON.stringify(j)), fc.record({ session_id: value, totals: value, requests: value, by_model: value, git: value }).map((j) => JSON.stringify(j))), (text) => {
        const path = join(folder, `2026-12-04_${(n++).toString(16).padStart(8, '0')}.json`);
        writeFileSync(path, text);
        const warnings: string[] = [];
        const summary = readSummaryFile(path, (w) => warnings.push(w));
        if (summary) {
          expect(Array.isArray(summary.requests)).toBe(true);
          expect(typeof summary.by_model).toBe('object');
        } else {
          expect(warnings.length).toBe(1);
          expect(warnings[0]).toContain(path);
        }
      }),
      RUNS,
    );
  });
});
