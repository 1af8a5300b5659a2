// The model allowlist as the proxy applies it: resolve the policy for the requested model, then ask whether the
// model passes (the reference's TestCheckModel and TestCheckModel_ResolvedPolicy, and the merge rules of 3.2).
import { describe, expect, it } from 'vitest';
import { modelRefusal } from './model-check.js';
import { validatePolicy } from './parse.js';
import { resolveForModel } from './resolve.js';

/** The refusal for `model` under a policy given as JSON, resolved for that model as the proxy does. */
const refusal = (policy: unknown, model: string) => modelRefusal(resolveForModel(validatePolicy(policy), model), model);

const NOT_ALLOWED = (model: string, required: string) => `model "${model}" not allowed; policy requires "${required}"`;
const NO_MATCH = (model: string, regex: string) => `model "${model}" does not match policy regex "${regex}"`;

describe('modelRefusal on a global policy', () => {
  it.each(['gpt-4', 'claude-3-opus', 'anything', ''])('no restriction allows %j', (model) => {
    expect(refusal({ base_key_env: 'K' }, model)).toBeUndefined();
  });

  it('an exact model allows that model and refuses any other, naming both', () => {
    const policy = { base_key_env: 'K', model: 'gpt-4' };
    expect(refusal(policy, 'gpt-4')).toBeUndefined();
    expect(refusal(policy, 'gpt-3.5-turbo')).toBe(NOT_ALLOWED('gpt-3.5-turbo', 'gpt-4'));
    // Exact means exact: no prefix, no case folding.
    expect(refusal(policy, 'gpt-4-turbo')).toBe(NOT_ALLOWED('gpt-4-turbo', 'gpt-4'));
    expect(refusal(policy, 'GPT-4')).toBe(NOT_ALLOWED('GPT-4', 'gpt-4'));
  });

  it('an empty model under an exact policy is not allowed', () => {
    expect(refusal({ base_key_env: 'K', model: 'gpt-4' }, '')).toBe(NOT_ALLOWED('', 'gpt-4'));
  });

  it('a regex allows the models it matches and refuses the rest, naming the regex', () => {
    const policy = { base_key_env: 'K', model_regex: '^gpt-4.*$' };
    expect(refusal(policy, 'gpt-4-turbo')).toBeUndefined();
    expect(refusal(policy, 'gpt-4')).toBeUndefined();
    expect(refusal(policy, 'gpt-3.5-turbo')).toBe(NO_MATCH('gpt-3.5-turbo', '^gpt-4.*$'));
    expect(refusal(policy, 'claude-3-opus')).toBe(NO_MATCH('claude-3-opus', '^gpt-4.*$'));
  });

  it('a regex is a search, not a full match, unless anchored', () => {
    expect(refusal({ base_key_env: 'K', model_regex: 'mini' }, 'gpt-4o-mini')).toBeUndefined();
    expect(refusal({ base_key_env: 'K', model_regex: '^mini' }, 'gpt-4o-mini')).toBe(NO_MATCH('gpt-4o-mini', '^mini'));
  });

  it('RE2 inline flags work: (?i) makes the match case-insensitive', () => {
    const policy = { base_key_env: 'K', model_regex: '(?i)^claude' };
    expect(refusal(policy, 'Claude-3-Sonnet')).toBeUndefined();
    expect(refusal(policy, 'claude-3-opus')).toBeUndefined();
    expect(refusal(policy, 'gpt-4o')).toBe(NO_MATCH('gpt-4o', '(?i)^claude'));
  });

  it('the same regex gives the same answer on every call (no stateful matching)', () => {
    const policy = { base_key_env: 'K', model_regex: '^gpt-4' };
    for (let i = 0; i < 3; i++) expect(refusal(policy, 'gpt-4o')).toBeUndefined();
  });

  it('exact and regex both satisfied: allowed', () => {
    expect(refusal({ base_key_env: 'K', model: 'gpt-4', model_regex: '^gpt-' }, 'gpt-4')).toBeUndefined();
  });

  it('an exact mismatch is refused even when the regex would pass; the exact rule is named', () => {
    expect(refusal({ base_key_env: 'K', model: 'gpt-4', model_regex: '^gpt-' }, 'gpt-4o')).toBe(NOT_ALLOWED('gpt-4o', 'gpt-4'));
  });

  it('an exact match is refused when the regex does not pass', () => {
    expect(refusal({ base_key_env: 'K', model: 'gpt-4', model_regex: '^claude' }, 'gpt-4')).toBe(NO_MATCH('gpt-4', '^claude'));
  });
});

describe('modelRefusal on a resolved provider policy', () => {
  it('a provider policy with an exact model allows it and refuses another model of the same provider', () => {
    const policy = {
      base_key_env: 'GLOBAL_KEY',
      providers: { openai: [{ base_key_env: 'OPENAI_KEY', model: 'gpt-4' }] },
    };
    expect(refusal(policy, 'gpt-4')).toBeUndefined();
    // gpt-3.5 does not match the provider policy, so the unconstrained global policy applies: allowed.
    expect(refusal(policy, 'gpt-3.5-turbo')).toBeUndefined();
    // Resolved for gpt-4 (as a fallback check would be), gpt-3.5 is refused.
    const resolved = resolveForModel(validatePolicy(policy), 'gpt-4');
    expect(modelRefusal(resolved, 'gpt-4')).toBeUndefined();
    expect(modelRefusal(resolved, 'gpt-3.5')).toBe(NOT_ALLOWED('gpt-3.5', 'gpt-4'));
  });

  it("a provider's model replaces the global model and the global regex no longer applies", () => {
    const policy = {
      base_key_env: 'K',
      model: 'gpt-4o-mini',
      model_regex: '^claude',
      providers: { openai: [{ base_key_env: 'K', model: 'gpt-4' }] },
    };
    expect(refusal(policy, 'gpt-4')).toBeUndefined();
    // Other models fall back to the global constraints.
    expect(refusal(policy, 'gpt-4o-mini')).toBe(NO_MATCH('gpt-4o-mini', '^claude'));
    expect(refusal(policy, 'claude-3-opus')).toBe(NOT_ALLOWED('claude-3-opus', 'gpt-4o-mini'));
  });

  it("a provider's model_regex replaces the global constraints", () => {
    const policy = {
      base_key_env: 'K',
      model: 'gpt-4o',
      providers: { anthropic: [{ base_key_env: 'K', model_regex: '(?i)^claude' }] },
    };
    expect(refusal(policy, 'claude-3-opus')).toBeUndefined();
    expect(refusal(policy, 'gpt-4o')).toBeUndefined();
    expect(refusal(policy, 'gpt-4o-mini')).toBe(NOT_ALLOWED('gpt-4o-mini', 'gpt-4o'));
  });

  it('a wildcard provider policy (neither model nor regex) keeps the global constraints', () => {
    const policy = {
      base_key_env: 'K',
      model_regex: '^gpt-',
      providers: { openai: [{ base_key_env: 'OPENAI_KEY' }] },
    };
    expect(resolveForModel(validatePolicy(policy), 'claude-3-opus').providerName).toBe('openai');
    expect(refusal(policy, 'claude-3-opus')).toBe(NO_MATCH('claude-3-opus', '^gpt-'));
    expect(refusal(policy, 'gpt-4o')).toBeUndefined();
  });

  it('a provider-only policy constrains nothing beyond which provider policy matches', () => {
    const policy = {
      providers: {
        openai: [{ base_key_env: 'OPENAI_KEY', model: 'gpt-4o' }],
        anthropic: [{ base_key_env: 'ANTHROPIC_KEY', model_regex: '^claude' }],
      },
    };
    for (const model of ['gpt-4o', 'claude-3-opus', 'mistral-large']) expect(refusal(policy, model)).toBeUndefined();
  });
});
