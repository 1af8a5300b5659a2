// Ledger report benchmark: writes `sessions` session JSON files (deterministic pseudo-random: a few models, providers
// and tokens, about 10 requests each, over 90 days) to a temp dir, then times `tokenomics ledger summary --json` cold
// (no rollup index) and warm (index present), `runs` times each. Needs a build (dist/). Used by bench/ledger.mjs and
// bench/run.mjs.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { median } from './stats.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist/cli/main.js');
const { summarize } = await import(new URL('dist/core/ledger/rollup.js', `file://${root}`).href);

const DAYS = 90;

// mulberry32: small, fast, deterministic.
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
let rand = random(42);
const pick = (list) => list[Math.floor(rand() * list.length)];
const int = (min, max) => min + Math.floor(rand() * (max - min + 1));

const MODELS = [
  ['gpt-4o', 'openai', 2.5e-6, 10e-6],
  ['gpt-4o-mini', 'openai', 0.15e-6, 0.6e-6],
  ['claude-sonnet-4-5', 'anthropic', 3e-6, 15e-6],
  ['claude-haiku-4-5', 'anthropic', 1e-6, 5e-6],
  ['gemini-2.5-flash', 'gemini', 0.3e-6, 2.5e-6],
];
const TOKENS = Array.from({ length: 6 }, (_, i) => `${i}`.repeat(64));
const BRANCHES = ['main', 'feature/ledger-reports', 'fix/streaming', ''];
const START = Date.parse('2025-01-01T00:00:00Z');

function session(i) {
  const startedMs = START + Math.floor(rand() * DAYS * 86_400_000);
  const count = int(5, 15);
  const tokens = [pick(TOKENS), pick(TOKENS)];
  const requests = [];
  let t = startedMs;
  for (let r = 0; r < count; r++) {
    t += int(1_000, 600_000);
    const [model, provider, inPrice, outPrice] = pick(MODELS);
    const input = int(100, 20_000);
    const output = int(10, 2_000);
    const status = rand() < 0.05 ? pick([401, 403, 429, 500]) : 200;
    const cached = rand() < 0.3 ? Math.floor(input / 2) : 0;
    requests.push({
      timestamp: new Date(t).toISOString(),
      token_hash: pick(tokens),
      model,
      provider,
      input_tokens: status === 200 ? input : 0,
      output_tokens: status === 200 ? output : 0,
      duration_ms: int(200, 20_000),
      status_code: status,
      ...(status === 200 ? { stream: rand() < 0.5 } : { error: `status ${status}` }),
      ...(status === 200 && cached ? { provider_meta: { cached_input_tokens: cached } } : {}),
      ...(status === 200 ? { cost_usd: input * inPrice + output * outPrice } : {}),
      request_id: `req_${i}_${r}`,
    });
  }
  const id = (0x10000000 + i).toString(16);
  const branch = pick(BRANCHES);
  const summary = summarize({
    sessionId: id,
    startedAt: new Date(startedMs).toISOString(),
    endedAt: new Date(t + 1_000).toISOString(),
    git: branch ? { branch, commit_start: 'abc1234', commit_end: 'abc1234', repo_root: '/home/user/project' } : {},
    requests,
  });
  return { name: `${summary.started_at.slice(0, 10)}_${id}.json`, text: `${JSON.stringify(summary, null, 2)}\n` };
}

function run(dir) {
  const start = performance.now();
  const result = spawnSync(process.execPath, [cli, 'ledger', 'summary', '--dir', dir, '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - start;
  if (result.status !== 0) throw new Error(`ledger summary failed (${result.status}): ${result.stderr}`);
  return { ms, stdout: result.stdout };
}

/** Generates the sessions, times the summaries and returns the figures (milliseconds). */
export function benchLedger({ sessions: SESSIONS = 10_000, runs: RUNS = 3, log = () => {} } = {}) {
  rand = random(42);
  const dir = mkdtempSync(join(tmpdir(), 'tokenomics-bench-ledger-'));
  try {
    const sessions = join(dir, 'sessions');
    mkdirSync(sessions, { recursive: true });
    const genStart = performance.now();
    let bytes = 0;
    for (let i = 0; i < SESSIONS; i++) {
      const { name, text } = session(i);
      bytes += text.length;
      writeFileSync(join(sessions, name), text);
    }
    log(`generated ${SESSIONS} sessions (${(bytes / 1e6).toFixed(1)} MB) in ${Math.round(performance.now() - genStart)} ms`);

    const index = join(sessions, '.index.jsonl');
    const cold = [];
    let coldOut;
    for (let i = 0; i < RUNS; i++) {
      rmSync(index, { force: true });
      const { ms, stdout } = run(dir);
      cold.push(ms);
      coldOut = stdout;
    }
    const warm = [];
    let warmOut;
    for (let i = 0; i < RUNS; i++) {
      const { ms, stdout } = run(dir);
      warm.push(ms);
      warmOut = stdout;
    }
    const summary = JSON.parse(warmOut);
    return {
      sessions: SESSIONS,
      requests: summary.totals.request_count,
      bytes,
      runs: RUNS,
      cold_ms: cold.map((ms) => Math.round(ms)),
      warm_ms: warm.map((ms) => Math.round(ms)),
      cold_median_ms: Math.round(median(cold)),
      warm_median_ms: Math.round(median(warm)),
      cold_warm_output_identical: coldOut === warmOut,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
