// The policy schema: one definition that validates policies from the CLI, the admin API and the editor alike.
import { z } from 'zod';
import { parseDuration } from '../duration.js';
import { PII_TYPES } from './pii-types.js';
import { patternProblem } from './regex.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const envVarName = z.string().regex(ENV_NAME, { message: 'must be an environment variable name (letters, digits and _)' });

const regexPattern = z.string().min(1).superRefine((source, ctx) => {
  const problem = patternProblem(source);
  if (problem) ctx.addIssue({ code: 'custom', message: `invalid regex ${JSON.stringify(source)}: ${problem}` });
});

export function isHttpUrl(text: string): boolean {
  try {
    // Placeholders such as {resource} are filled per request; validate the rest.
    const url = new URL(text.replace(/\{(\w+)\}/g, '$1'));
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

const httpUrl = z.string().refine(isHttpUrl, { message: 'must be an http:// or https:// URL' });
const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();

export const RULE_TYPES = ['regex', 'keyword', 'pii', 'jailbreak'] as const;
export const RULE_ACTIONS = ['fail', 'warn', 'log', 'mask'] as const;
export const RULE_SCOPES = ['input', 'output', 'both'] as const;

const ruleObject = z
  .strictObject({
    name: z.string().optional(),
    type: z.enum(RULE_TYPES).default('regex'),
    pattern: z.string().optional(),
    keywords: z.array(z.string().min(1)).optional(),
    detect: z.array(z.string().transform((s) => s.toLowerCase())).optional(),
    action: z.enum(RULE_ACTIONS).default('fail'),
    scope: z.enum(RULE_SCOPES).default('input'),
  })
  .superRefine((rule, ctx) => {
    const problem = (message: string, path: PropertyKey[] = []) => ctx.addIssue({ code: 'custom', message, path });
    switch (rule.type) {
      case 'regex':
        if (!rule.pattern) problem('regex rule requires a pattern', ['pattern']);
        else {
          const bad = patternProblem(rule.pattern);
          if (bad) problem(`invalid rule regex ${JSON.stringify(rule.pattern)}: ${bad}`, ['pattern']);
        }
        break;
      case 'keyword':
        if (!rule.keywords?.length) problem('keyword rule requires at least one keyword', ['keywords']);
        break;
      case 'pii':
        if (!rule.detect?.length) problem(`pii rule requires at least one detect type (${PII_TYPES.join(', ')})`, ['detect']);
        rule.detect?.forEach((t, i) => {
          if (!(PII_TYPES as readonly string[]).includes(t)) {
            ctx.addIssue({ code: 'custom', message: `unknown PII type ${JSON.stringify(t)}; available: ${PII_TYPES.join(', ')}`, path: ['detect', i] });
          }
        });
        break;
      case 'jailbreak':
        if (rule.pattern || rule.keywords || rule.detect) problem('jailbreak rule should not have pattern, keywords, or detect fields');
        break;
    }
  });

/** A rule is an object, or (legacy form) a bare regex string that blocks input. */
const rule = z.preprocess((value) => (typeof value === 'string' ? { type: 'regex', pattern: value } : value), ruleObject);

const prompt = z.strictObject({
  role: z.enum(['system', 'developer', 'user', 'assistant'] as const),
  content: z.string(),
});

const memory = z.strictObject({
  enabled: z.boolean().default(false),
  file_path: z.string().optional(),
  file_name: z.string().optional(),
  redis: z.boolean().optional(),
  max_size_mb: z.number().nonnegative().optional(),
  compress_old: z.boolean().optional(),
});

const rateWindow = z.string().refine((w) => w === '' || parseDuration(w) !== undefined, {
  message: 'must be a duration such as 1s, 1m, 1h, 24h or 90s',
});

const rateLimitRule = z
  .strictObject({
    requests: nonNegativeInt.optional(),
    tokens: nonNegativeInt.optional(),
    window: rateWindow.default('1m'),
    strategy: z.enum(['sliding', 'fixed'] as const).default('sliding'),
  })
  .refine((r) => (r.requests ?? 0) > 0 || (r.tokens ?? 0) > 0, { message: 'a rate limit rule needs requests or tokens above 0' });

const rateLimit = z.strictObject({
  rules: z.array(rateLimitRule).default([]),
  max_parallel: nonNegativeInt.optional(),
});

const retry = z.strictObject({
  max_retries: z.number().int().min(0).max(10).optional(),
  fallbacks: z.array(z.string().min(1)).optional(),
  retry_on: z.array(z.number().int().min(100).max(599)).optional(),
});

export const BUDGET_WINDOWS = ['1h', '1d', '7d', '30d', '1mo', 'total'] as const;

const budget = z
  .strictObject({
    tokens: positiveInt.optional(),
    usd: z.number().positive().optional(),
    window: z.enum(BUDGET_WINDOWS),
    calendar: z.boolean().default(false),
    model: z.string().min(1).optional(),
    model_regex: regexPattern.optional(),
    alert_at: z.number().gt(0).lt(1).optional(),
  })
  .superRefine((b, ctx) => {
    if ((b.tokens === undefined) === (b.usd === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'a budget needs exactly one of "tokens" or "usd"' });
    }
    if (b.calendar && b.window === 'total') {
      ctx.addIssue({ code: 'custom', message: 'calendar: true needs a window other than "total"', path: ['calendar'] });
    }
  });

const modelConstraints = {
  model: z.string().optional(),
  model_regex: regexPattern.optional(),
};

export const providerPolicySchema = z.strictObject({
  base_key_env: envVarName,
  upstream_url: httpUrl.optional(),
  max_tokens: nonNegativeInt.optional(),
  ...modelConstraints,
  prompts: z.array(prompt).optional(),
  rules: z.array(rule).optional(),
  timeout: positiveInt.optional(),
});

export const policySchema = z
  .strictObject({
    base_key_env: envVarName.optional(),
    upstream_url: httpUrl.optional(),
    max_tokens: nonNegativeInt.optional(),
    ...modelConstraints,
    prompts: z.array(prompt).optional(),
    rules: z.array(rule).optional(),
    providers: z.record(z.string().min(1), z.array(providerPolicySchema)).optional(),
    default_provider: z.string().optional(),
    memory: memory.optional(),
    rate_limit: rateLimit.optional(),
    retry: retry.optional(),
    timeout: positiveInt.optional(),
    metadata: z.record(z.string(), z.string()).optional(),
    budgets: z.array(budget).optional(),
  })
  .superRefine((p, ctx) => {
    const providerCount = Object.values(p.providers ?? {}).reduce((n, list) => n + list.length, 0);
    if (!p.base_key_env && providerCount === 0) {
      ctx.addIssue({ code: 'custom', message: 'is required (or define at least one provider policy under "providers")', path: ['base_key_env'] });
    }
  });

export type Policy = z.output<typeof policySchema>;
export type ProviderPolicy = z.output<typeof providerPolicySchema>;
export type Rule = Extract<NonNullable<Policy['rules']>[number], object>;
export type Budget = NonNullable<Policy['budgets']>[number];
export type RateLimit = NonNullable<Policy['rate_limit']>;
