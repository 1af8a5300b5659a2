#!/usr/bin/env node
// Added latency of the proxy: the same OpenAI-format calls made directly to a local mock upstream and through
// `tokenomics serve` with an empty policy and with a policy that enforces limits and rules (two budgets, a rate
// limit, max_parallel, PII masking; the ledger and its memory file are on for both, as by default), interleaved round
// by round so machine drift cancels out. Loopback only, bounded in time. Prints figures, never pass/fail.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PER_ROUND = Number(process.env.BENCH_REQUESTS ?? 400);
const STREAM_CHUNKS = 20;
const CHUNK_GAP_MS = 5;

const completion = JSON.stringify({
  id: 'chatcmpl-bench', object: 'chat.completion', created: 0, model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 },
});

function startMock() {
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}');
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(completion) });
        return res.end(completion);
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; i < STREAM_CHUNKS; i++) {
        res.write(`data: {"id":"c","choices":[{"index":0,"delta":{"content":"w${i}"}}]}\n\n`);
        await new Promise((r) => setTimeout(r, CHUNK_GAP_MS));
      }
      if (body.stream_options?.include_usage) res.write('data: {"id":"c","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":20}}\n\n');
      res.end('data: [DONE]\n\n');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function run(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', () => {});
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} exited ${code}`))));
  });
}

async function startDaemon(dir, env, port) {
  const child = spawn(process.execPath, [CLI, '--dir', dir, 'serve', '--http-port', String(port), '--no-tls'], { env, stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    try {
      const state = JSON.parse(readFileSync(join(dir, 'daemon.json'), 'utf8'));
      if (state.pid === child.pid && (await fetch(`${state.http_url}/health`)).ok) return { child, url: state.http_url };
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error('daemon did not start');
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timeCalls(agent, url, headers, body, count) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const res = await request(url, { method: 'POST', headers, body, dispatcher: agent });
    await res.body.arrayBuffer();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b);
}

async function timeStream(agent, url, headers, body) {
  const start = performance.now();
  const res = await request(url, { method: 'POST', headers, body, dispatcher: agent });
  let first;
  for await (const _chunk of res.body) first ??= performance.now() - start;
  return { ttfb: first, total: performance.now() - start };
}

const home = mkdtempSync(join(tmpdir(), 'tokenomics-bench-'));
const dir = join(home, '.tokenomics');
const mock = await startMock();
const mockUrl = `http://127.0.0.1:${mock.address().port}`;
const env = { ...process.env, HOME: home, TOKENOMICS_HASH_KEY: 'bench', TOKENOMICS_ENCRYPTION_KEY: 'bench', TOKENOMICS_SERVER_UPSTREAM_URL: mockUrl, BENCH_KEY: 'sk-bench' };
const { token } = JSON.parse(await run(['--dir', dir, 'token', 'create', '--policy', '{"base_key_env":"BENCH_KEY"}', '--json'], env));
const LIMITS_POLICY = {
  base_key_env: 'BENCH_KEY',
  budgets: [{ tokens: 1e12, window: '1d' }, { usd: 1e6, window: '1mo', calendar: true }],
  rate_limit: { rules: [{ requests: 1e9, window: '1m' }], max_parallel: 64 },
  rules: [{ type: 'pii', detect: ['email', 'credit_card', 'api_key'], action: 'mask' }],
};
const limited = JSON.parse(await run(['--dir', dir, 'token', 'create', '--policy', JSON.stringify(LIMITS_POLICY), '--json'], env)).token;
const probe = createServer();
const port = await new Promise((r) => probe.listen(0, '127.0.0.1', () => r(probe.address().port)));
await new Promise((r) => probe.close(r));
const daemon = await startDaemon(dir, env, port);

const agent = new Agent({ keepAliveTimeout: 30_000 });
const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });
const streamBody = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hello' }] });
const targets = {
  direct: { url: `${mockUrl}/v1/chat/completions`, headers },
  tokenomics: { url: `${daemon.url}/v1/chat/completions`, headers },
  '+limits': { url: `${daemon.url}/v1/chat/completions`, headers: { ...headers, authorization: `Bearer ${limited}` } },
};

try {
  for (const { url, headers } of Object.values(targets)) await timeCalls(agent, url, headers, body, 200); // warm-up
  const rounds = Object.fromEntries(Object.keys(targets).map((name) => [name, []]));
  const streams = Object.fromEntries(Object.keys(targets).map((name) => [name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, { url, headers }] of Object.entries(targets)) {
      const times = await timeCalls(agent, url, headers, body, PER_ROUND);
      rounds[name].push({ p50: pct(times, 50), p99: pct(times, 99) });
      for (let s = 0; s < 5; s++) streams[name].push(await timeStream(agent, url, headers, streamBody));
    }
  }
  const summary = {};
  for (const name of Object.keys(targets)) {
    summary[name] = {
      p50_ms: median(rounds[name].map((x) => x.p50)),
      p99_ms: median(rounds[name].map((x) => x.p99)),
      stream_ttfb_ms: median(streams[name].map((x) => x.ttfb)),
      stream_total_ms: median(streams[name].map((x) => x.total)),
    };
  }
  const addedTo = (name) => ({
    p50_ms: summary[name].p50_ms - summary.direct.p50_ms,
    p99_ms: summary[name].p99_ms - summary.direct.p99_ms,
    stream_ttfb_ms: summary[name].stream_ttfb_ms - summary.direct.stream_ttfb_ms,
    stream_total_ms: summary[name].stream_total_ms - summary.direct.stream_total_ms,
  });
  const added = { tokenomics: addedTo('tokenomics'), '+limits': addedTo('+limits') };
  const f = (n) => n.toFixed(3).padStart(9);
  console.log(`\nproxy latency, one request at a time (${ROUNDS} rounds x ${PER_ROUND} calls; median of round figures, ms)`);
  console.log(`${'target'.padEnd(18)}${'p50'.padStart(9)}${'p99'.padStart(9)}${'ttfb'.padStart(9)}${'stream'.padStart(9)}`);
  for (const [name, s] of Object.entries(summary)) console.log(`${name.padEnd(18)}${f(s.p50_ms)}${f(s.p99_ms)}${f(s.stream_ttfb_ms)}${f(s.stream_total_ms)}`);
  for (const [name, a] of Object.entries(added)) console.log(`${`added ${name}`.padEnd(18)}${f(a.p50_ms)}${f(a.p99_ms)}${f(a.stream_ttfb_ms)}${f(a.stream_total_ms)}`);
  console.log(`(targets: added p50 <= 1 ms, p99 <= 3 ms, stream ttfb <= 2 ms; stream of ${STREAM_CHUNKS} chunks ${CHUNK_GAP_MS} ms apart)`);
  if (process.argv.includes('--json')) console.log(JSON.stringify({ summary, added }, null, 2));
} finally {
  daemon.child.kill('SIGTERM');
  await agent.close();
  mock.close();
  await new Promise((r) => daemon.child.on('exit', r));
  rmSync(home, { recursive: true, force: true });
}
