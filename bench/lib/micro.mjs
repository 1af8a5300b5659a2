// Micro-benchmarks of the core paths that sit on every request: token hashing, policy parsing, sealing, and rule
// evaluation on a 100 KB and a 1 KB prompt with the default rule set. Needs a build (dist/). Used by bench/micro.mjs
// and bench/run.mjs.
import { performance } from 'node:perf_hooks';

const dist = new URL('../../dist/', import.meta.url);
const { hashToken, generateToken } = await import(new URL('core/tokens/token.js', dist));
const { seal, unseal } = await import(new URL('core/tokens/seal.js', dist));
const { parsePolicy } = await import(new URL('core/policy/parse.js', dist));
const { applyRules } = await import(new URL('core/policy/enforce.js', dist));
const { RuleSet } = await import(new URL('core/policy/rules/engine.js', dist));
const { chatContent } = await import(new URL('core/formats/content/chat.js', dist));
const { PII_TYPES } = await import(new URL('core/policy/pii-types.js', dist));

function bench(name, fn, iterations) {
  for (let i = 0; i < Math.min(1000, iterations); i++) fn(i);
  const start = performance.now();
  for (let i = 0; i < iterations; i++) fn(i);
  const ms = performance.now() - start;
  return { name, iterations, us_per_op: +((ms * 1000) / iterations).toFixed(3), ops_per_s: Math.round(iterations / (ms / 1000)) };
}

const key = Buffer.alloc(32, 1);
const token = generateToken();
const policy = JSON.stringify({
  base_key_env: 'OPENAI_API_KEY',
  model_regex: '^(gpt-4o|claude)',
  rules: [{ type: 'pii', detect: ['email', 'ssn', 'credit_card'], action: 'mask' }, { type: 'jailbreak' }, ...Array.from({ length: 10 }, (_, i) => `(?i)secret${i}`)],
  prompts: [{ role: 'system', content: 'Be brief.' }],
  budgets: [{ usd: 5, window: '1d', calendar: true, alert_at: 0.8 }],
});
const sealed = seal(key, policy, 'token:x');

// The default rule set of the benchmarks: every PII type masked, jailbreaks refused, a few keywords logged.
const defaultRules = parsePolicy(
  JSON.stringify({
    base_key_env: 'K',
    rules: [
      { name: 'pii', type: 'pii', detect: PII_TYPES, action: 'mask', scope: 'both' },
      { name: 'jailbreak', type: 'jailbreak', action: 'fail' },
      { name: 'words', type: 'keyword', keywords: ['confidential', 'internal only', 'do not share'], action: 'log' },
    ],
  }),
).policy.rules;
const ruleSet = new RuleSet(defaultRules);
// 100 KB of prose in 20 messages, with an email, a phone number and a card-like number every few KB.
const paragraph = 'The quarterly report covers revenue, churn and the roadmap for the next two releases. ' +
  'Questions go to finance.team@example.com or +1 415 555 0134; the test card is 4111 1111 1111 1111. ';
const message = paragraph.repeat(Math.ceil(5_000 / paragraph.length)).slice(0, 5_000);
const bigBody = () => ({ model: 'gpt-4o', messages: Array.from({ length: 20 }, () => ({ role: 'user', content: message })) });

/** Runs every micro-benchmark; returns [{name, iterations, us_per_op, ops_per_s}]. */
export function microBenchmarks() {
  return [
    bench('hashToken (HMAC-SHA256)', () => hashToken(key, token), 200_000),
    bench('parsePolicy (default-size policy)', () => parsePolicy(policy), 20_000),
    bench('seal (AES-256-GCM)', () => seal(key, policy, 'token:x'), 100_000),
    bench('unseal (AES-256-GCM)', () => unseal(key, sealed, 'token:x'), 100_000),
    bench('input rules, 100 KB prompt, default rule set (check + mask)', () => {
      // A new body each time (the strings are shared), so every run finds and masks the PII again.
      const body = bigBody();
      applyRules(ruleSet, 'input', (visit) => chatContent.visitInput(body, visit));
    }, 50),
    bench('input rules, 1 KB prompt, default rule set', (i) => {
      applyRules(ruleSet, 'input', (visit) => chatContent.visitInput({ messages: [{ role: 'user', content: message.slice(0, 1000) + i }] }, visit));
    }, 5_000),
  ];
}

export const RULES_100KB = 'input rules, 100 KB prompt, default rule set (check + mask)';
