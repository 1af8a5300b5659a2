// The one workload every benchmark sends: the default policy of SPEC.md section 10 and a ~1 KB chat body.

export const DEFAULT_POLICY = {
  base_key_env: 'BENCH_KEY',
  rules: [
    { name: 'pii', type: 'pii', action: 'mask', detect: ['ssn', 'credit_card', 'email', 'phone', 'ip_address', 'aws_key', 'api_key', 'jwt', 'private_key', 'connection_string', 'github_token'] },
    { name: 'jailbreak', type: 'jailbreak', action: 'fail' },
    ...Array.from({ length: 10 }, (_, i) => ({ name: `regex-${i}`, type: 'regex', pattern: `(?i)project[-_ ]?codename[-_ ]?${i}\\b`, action: i % 2 ? 'log' : 'fail' })),
  ],
  prompts: [{ role: 'system', content: 'Be brief and precise.' }],
  budgets: [{ usd: 1e6, window: '1d', alert_at: 0.8 }],
};

// One request body for every target: about 1 KB of prose with one email address, so the mask fires every time.
const PROSE = 'Summarise the release notes below in three bullet points for the changelog. The build now caches ' +
  'dependencies, the test suite runs in parallel, and the proxy streams answers without buffering. ';
const USER_TEXT = `${PROSE.repeat(5)}Questions go to release.manager@example.com.`;
export const BODY = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: USER_TEXT }] });
export const STREAM_BODY = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: USER_TEXT }] });
