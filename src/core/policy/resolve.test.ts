import { describe, expect, it } from 'vitest';
import { validatePolicy } from './parse.js';
import { resolveForModel, resolvePolicy } from './resolve.js';
import type { Policy } from './schema.js';

const policy = (value: unknown): Policy => validatePolicy(value);

// The reference's routing table (TestResolveForModel_MultiProviderRouting).
const routing = policy({
  base_key_env: 'DEFAULT_KEY',
  max_tokens: 100_000,
  providers: {
    openai: [
      { base_key_env: 'OPENAI_KEY', model: 'gpt-4o', max_tokens: 50_000 },
      { base_key_env: 'OPENAI_KEY', model_regex: '^gpt-3\\.5', max_tokens: 200_000 },
    ],
    anthropic: [{ base_key_env: 'ANTHROPIC_KEY', model_regex: '(?i)^claude', upstream_url: 'https://api.anthropic.com' }],
    groq: [{ base_key_env: 'GROQ_KEY', model_regex: '^llama' }],
  },
});

describe('resolveForModel: which provider policy matches', () => {
  it.each([
    ['gpt-4o', 'openai', 'OPENAI_KEY', 50_000, undefined],
    ['gpt-3.5-turbo', 'openai', 'OPENAI_KEY', 200_000, undefined],
    ['claude-3-opus', 'anthropic', 'ANTHROPIC_KEY', 100_000, 'https://api.anthropic.com'],
    ['Claude-3-Sonnet', 'anthropic', 'ANTHROPIC_KEY', 100_000, 'https://api.anthropic.com'],
    ['llama-3-70b', 'groq', 'GROQ_KEY', 100_000, undefined],
    ['mistral-large', undefined, 'DEFAULT_KEY', 100_000, undefined],
    ['', undefined, 'DEFAULT_KEY', 100_000, undefined],
  ])('%j -> provider %s', (model, provider, keyEnv, maxTokens, upstream) => {
    const resolved = resolveForModel(routing, model);
    expect(resolved.providerName).toBe(provider);
    expect(resolved.baseKeyEnv).toBe(keyEnv);
    expect(resolved.maxTokens).toBe(maxTokens);
    expect(resolved.upstreamUrl).toBe(upstream);
  });

  it('exact model matches only that model, not a prefix', () => {
    expect(resolveForModel(routing, 'gpt-4o-mini').providerName).toBeUndefined();
  });

  it('a wildcard provider policy (no model, no regex) matches everything, including ""', () => {
    const p = policy({ providers: { custom: [{ base_key_env: 'CUSTOM_KEY' }] } });
    for (const model of ['anything', 'gpt-4o', '']) {
      expect(resolveForModel(p, model)).toMatchObject({ providerName: 'custom', baseKeyEnv: 'CUSTOM_KEY' });
    }
  });

  it("the first matching policy in a provider's array wins", () => {
    const p = policy({
      providers: {
        openai: [
          { base_key_env: 'SPECIFIC_KEY', model: 'gpt-4o' },
          { base_key_env: 'BROAD_KEY', model_regex: '^gpt-4' },
          { base_key_env: 'WILDCARD_KEY' },
        ],
      },
    });
    expect(resolveForModel(p, 'gpt-4o').baseKeyEnv).toBe('SPECIFIC_KEY');
    expect(resolveForModel(p, 'gpt-4-turbo').baseKeyEnv).toBe('BROAD_KEY');
    expect(resolveForModel(p, 'o3').baseKeyEnv).toBe('WILDCARD_KEY');
  });

  it('providers are tried in JSON key order, deterministically', () => {
    const ab = policy({ providers: { alpha: [{ base_key_env: 'A' }], beta: [{ base_key_env: 'B' }] } });
    const ba = policy({ providers: { beta: [{ base_key_env: 'B' }], alpha: [{ base_key_env: 'A' }] } });
    for (let i = 0; i < 5; i++) {
      expect(resolveForModel(ab, 'm').providerName).toBe('alpha');
      expect(resolveForModel(ba, 'm').providerName).toBe('beta');
    }
    // A later provider is reached when the earlier one has no matching policy.
    const later = policy({ providers: { alpha: [{ base_key_env: 'A', model: 'x' }], beta: [{ base_key_env: 'B' }] } });
    expect(resolveForModel(later, 'y').providerName).toBe('beta');
  });
});

describe('resolveForModel: merge onto the global policy', () => {
  const global = {
    base_key_env: 'GLOBAL_KEY',
    upstream_url: 'https://global.example',
    max_tokens: 1000,
    timeout: 30,
    model_regex: '^gpt-',
    prompts: [{ role: 'system', content: 'GA' }, { role: 'system', content: 'GB' }],
    rules: ['global-secret', { type: 'keyword', keywords: ['gk'], action: 'warn' }],
    rate_limit: { rules: [{ requests: 3, window: '1m' }], max_parallel: 2 },
    retry: { max_retries: 2, fallbacks: ['gpt-4o-mini'] },
    metadata: { team: 'ai' },
    memory: { enabled: true, file_path: 'notes/mem' },
  };

  it('base_key_env / upstream_url replace when set; max_tokens / timeout replace when > 0', () => {
    const set = resolveForModel(
      policy({ ...global, providers: { p: [{ base_key_env: 'P_KEY', upstream_url: 'https://p.example', max_tokens: 5, timeout: 120 }] } }),
      'gpt-4o',
    );
    expect(set).toMatchObject({ baseKeyEnv: 'P_KEY', upstreamUrl: 'https://p.example', maxTokens: 5, timeoutSeconds: 120 });

    const unset = resolveForModel(policy({ ...global, providers: { p: [{ base_key_env: 'P_KEY', max_tokens: 0 }] } }), 'gpt-4o');
    expect(unset).toMatchObject({ baseKeyEnv: 'P_KEY', upstreamUrl: 'https://global.example', maxTokens: 1000, timeoutSeconds: 30 });
  });

  it('a provider model replaces the global constraints (global regex no longer applies)', () => {
    const r = resolveForModel(policy({ ...global, providers: { p: [{ base_key_env: 'K', model: 'claude-x' }] } }), 'claude-x');
    expect(r.model).toBe('claude-x');
    expect(r.modelRegex).toBeUndefined();
  });

  it('a provider model_regex replaces the global constraints', () => {
    const r = resolveForModel(
      policy({ ...global, model: 'gpt-4o', providers: { p: [{ base_key_env: 'K', model_regex: '(?i)^claude' }] } }),
      'CLAUDE-3',
    );
    expect(r.modelRegex).toBe('(?i)^claude');
    expect(r.model).toBeUndefined();
  });

  it('a wildcard provider policy keeps the global model constraints', () => {
    const r = resolveForModel(policy({ ...global, model: 'gpt-4o', providers: { p: [{ base_key_env: 'K' }] } }), 'other');
    expect(r.providerName).toBe('p');
    expect(r.model).toBe('gpt-4o');
    expect(r.modelRegex).toBe('^gpt-');
  });

  it('prompts are provider prompts then global prompts', () => {
    const r = resolveForModel(
      policy({
        ...global,
        providers: { p: [{ base_key_env: 'K', prompts: [{ role: 'system', content: 'P1' }, { role: 'user', content: 'P2' }] }] },
      }),
      'gpt-4o',
    );
    expect(r.prompts.map((p) => p.content)).toEqual(['P1', 'P2', 'GA', 'GB']);
    expect(r.prompts[1]!.role).toBe('user');
  });

  it('rules are global rules then provider rules (legacy strings become fail regex rules)', () => {
    const r = resolveForModel(
      policy({ ...global, providers: { p: [{ base_key_env: 'K', rules: ['provider-secret', { type: 'jailbreak', action: 'log' }] }] } }),
      'gpt-4o',
    );
    expect(r.rules.map((rule) => [rule.type, rule.pattern ?? rule.keywords?.[0] ?? '', rule.action])).toEqual([
      ['regex', 'global-secret', 'fail'],
      ['keyword', 'gk', 'warn'],
      ['regex', 'provider-secret', 'fail'],
      ['jailbreak', '', 'log'],
    ]);
  });

  it('a provider without prompts or rules leaves the global ones intact and does not mutate the policy', () => {
    const p = policy({ ...global, providers: { p: [{ base_key_env: 'K' }] } });
    const before = JSON.stringify(p);
    const r = resolveForModel(p, 'gpt-4o');
    expect(r.prompts.map((x) => x.content)).toEqual(['GA', 'GB']);
    expect(r.rules).toHaveLength(2);
    resolveForModel(p, 'gpt-4o');
    expect(JSON.stringify(p)).toBe(before);
  });

  it('rate_limit, retry, metadata and memory are inherited from the global policy', () => {
    const p = policy({ ...global, providers: { p: [{ base_key_env: 'K' }] } });
    const r = resolveForModel(p, 'gpt-4o');
    expect(r.policy.rate_limit?.max_parallel).toBe(2);
    expect(r.policy.retry?.fallbacks).toEqual(['gpt-4o-mini']);
    expect(r.policy.metadata).toEqual({ team: 'ai' });
    expect(r.policy.memory).toMatchObject({ enabled: true, file_path: 'notes/mem' });
  });

  it('no match -> the global policy only, with providerName undefined', () => {
    const p = policy({ ...global, providers: { p: [{ base_key_env: 'K', model: 'only-this' }] } });
    const r = resolveForModel(p, 'gpt-4o');
    expect(r.providerName).toBeUndefined();
    expect(r).toMatchObject({
      baseKeyEnv: 'GLOBAL_KEY',
      upstreamUrl: 'https://global.example',
      maxTokens: 1000,
      timeoutSeconds: 30,
      modelRegex: '^gpt-',
    });
    expect(r.prompts.map((x) => x.content)).toEqual(['GA', 'GB']);
  });

  it('a provider-only policy leaves base_key_env empty for unmatched models', () => {
    const p = policy({
      providers: { openai: [{ base_key_env: 'OPENAI_KEY', model: 'gpt-4o' }], anthropic: [{ base_key_env: 'ANTHROPIC_KEY', model_regex: '^claude' }] },
    });
    expect(resolveForModel(p, 'gpt-4o').baseKeyEnv).toBe('OPENAI_KEY');
    expect(resolveForModel(p, 'claude-3-opus').baseKeyEnv).toBe('ANTHROPIC_KEY');
    expect(resolveForModel(p, 'unknown').baseKeyEnv).toBeUndefined();
    expect(resolveForModel(p, 'unknown').providerName).toBeUndefined();
  });
});

describe('resolvePolicy (memoised)', () => {
  it('returns the same object per policy and model, equal to resolveForModel', () => {
    const a = resolvePolicy(routing, 'gpt-4o');
    expect(resolvePolicy(routing, 'gpt-4o')).toBe(a);
    expect(a).toEqual(resolveForModel(routing, 'gpt-4o'));
    expect(resolvePolicy(routing, 'claude-3').providerName).toBe('anthropic');
  });
});
