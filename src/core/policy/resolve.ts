// Resolution of a token's policy for one requested model: the first matching provider policy merged onto the
// global one (reference 3.2). Providers are tried in the order the policy JSON lists them, so the result is
// deterministic (the original iterated a Go map).
import type { Policy, ProviderPolicy, Rule } from './schema.js';
import { cachedPattern } from './regex.js';

export interface ResolvedPolicy {
  /** Name of the provider whose policy matched; undefined when only the global policy applies. */
  readonly providerName?: string;
  /** `<provider>#<index>` of the matched provider policy: its own max_tokens counter. */
  readonly providerPolicyKey?: string;
  readonly baseKeyEnv?: string;
  readonly upstreamUrl?: string;
  readonly maxTokens?: number;
  readonly model?: string;
  readonly modelRegex?: string;
  readonly prompts: NonNullable<Policy['prompts']>;
  readonly rules: Rule[];
  readonly timeoutSeconds?: number;
  readonly policy: Policy;
}

function matches(provider: ProviderPolicy, model: string): boolean {
  if (provider.model) return provider.model === model;
  if (provider.model_regex) return cachedPattern(provider.model_regex).test(model);
  return true;
}

function rulesOf(list: Policy['rules']): Rule[] {
  return (list ?? []) as Rule[];
}

function globalOnly(policy: Policy): ResolvedPolicy {
  return {
    baseKeyEnv: policy.base_key_env,
    upstreamUrl: policy.upstream_url,
    maxTokens: policy.max_tokens,
    model: policy.model || undefined,
    modelRegex: policy.model_regex,
    prompts: policy.prompts ?? [],
    rules: rulesOf(policy.rules),
    timeoutSeconds: policy.timeout,
    policy,
  };
}

const resolvedByPolicy = new WeakMap<Policy, Map<string, ResolvedPolicy>>();

/**
 * resolveForModel, remembered per policy object and model, so that a token's requests share one ResolvedPolicy
 * (and with it the compiled rule set). Policy objects are immutable once parsed.
 */
export function resolvePolicy(policy: Policy, model: string): ResolvedPolicy {
  let byModel = resolvedByPolicy.get(policy);
  if (!byModel) {
    byModel = new Map();
    resolvedByPolicy.set(policy, byModel);
  }
  let resolved = byModel.get(model);
  if (!resolved) {
    if (byModel.size >= 256) byModel.clear();
    resolved = resolveForModel(policy, model);
    byModel.set(model, resolved);
  }
  return resolved;
}

export function resolveForModel(policy: Policy, model: string): ResolvedPolicy {
  const base = globalOnly(policy);
  for (const [name, list] of Object.entries(policy.providers ?? {})) {
    const index = list.findIndex((candidate) => matches(candidate, model));
    if (index < 0) continue;
    const hit = list[index]!;
    const constrainsModel = Boolean(hit.model || hit.model_regex);
    return {
      ...base,
      providerName: name,
      providerPolicyKey: `${name}#${index}`,
      baseKeyEnv: hit.base_key_env || base.baseKeyEnv,
      upstreamUrl: hit.upstream_url || base.upstreamUrl,
      maxTokens: hit.max_tokens && hit.max_tokens > 0 ? hit.max_tokens : base.maxTokens,
      timeoutSeconds: hit.timeout && hit.timeout > 0 ? hit.timeout : base.timeoutSeconds,
      model: constrainsModel ? hit.model || undefined : base.model,
      modelRegex: constrainsModel ? hit.model_regex : base.modelRegex,
      prompts: [...(hit.prompts ?? []), ...base.prompts],
      rules: [...base.rules, ...rulesOf(hit.rules)],
    };
  }
  return base;
}
