#!/usr/bin/env node
// `npm run bench`: Tokenomics side by side with a direct call to a mock upstream, a minimal pass-through Node proxy
// (the floor) and the Portkey gateway, in one run, loopback only, bounded in time. The same OpenAI-format calls go to
//   direct    the mock upstream itself (bench/lib/mock-upstream.mjs, its own process)
//   floor     bench/floor-proxy.mjs (node:http, keep-alive, pipes)
//   portkey   @portkey-ai/gateway (x-portkey-provider: openai, x-portkey-custom-host: the mock)
//   tkn-empty `tokenomics serve` with a token whose policy only names the key (ledger and memory on, as by default)
//   tkn-default `tokenomics serve` with the default policy: PII mask, jailbreak, 10 regex rules, a prompt, a budget
// and measures, interleaved round by round (the order rotates) so machine drift cancels out:
//   1. added latency one request at a time (p50, p99: median of the round figures);
//   2. throughput at 32 connections (autocannon) for a fixed duration: requests/s, p50, p99, errors;
//   3. streaming: added time to first and last byte, the largest extra gap between chunks vs the mock's pace;
//   4. RSS of each process idle and after the load; 5. CPU time per request over the throughput runs;
//   6. `tokenomics run true` (running and ephemeral daemon), `ledger summary` over 10,000 sessions, rules on 100 KB.
// Prints one table (figures, ratios Tokenomics / floor and / Portkey, SPEC targets for reference; never pass/fail) and
// writes it as JSON to bench/results/latest.json. Environment: BENCH_ROUNDS, BENCH_REQUESTS, BENCH_STREAMS,
// BENCH_LOAD_ROUNDS, BENCH_LOAD_SECONDS, BENCH_CONNECTIONS. Run after `npm run build`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir, release } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { Agent, request } from 'undici';
import { benchLedger } from './lib/ledger.mjs';
import { microBenchmarks, RULES_100KB } from './lib/micro.mjs';
import { BODY, DEFAULT_POLICY, STREAM_BODY } from './lib/workload.mjs';
import { cleanup, cpuMs, freePort, rssMb, spawnNode, stop, waitForHttp } from './lib/procs.mjs';
import { median, pct, ratio, round, sum } from './lib/stats.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');
const PORTKEY = join(ROOT, 'node_modules/@portkey-ai/gateway/build/start-server.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const PER_ROUND = Number(process.env.BENCH_REQUESTS ?? 300);
const STREAMS_PER_ROUND = Number(process.env.BENCH_STREAMS ?? 4);
const LOAD_ROUNDS = Number(process.env.BENCH_LOAD_ROUNDS ?? 2);
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const STREAM_CHUNKS = 20;
const CHUNK_GAP_MS = 5;
const COLD_RUNS = 5;
const runStarted = performance.now();
const log = (line) => console.error(`[${((performance.now() - runStarted) / 1000).toFixed(1).padStart(5)} s] ${line}`);


/** Runs the CLI to completion; returns stdout. */
function cli(args, env) {
  const result = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tokenomics ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

async function startMock() {
  const child = spawnNode([join(ROOT, 'bench/lib/mock-upstream.mjs'), String(STREAM_CHUNKS), String(CHUNK_GAP_MS)], { stdout: 'pipe' });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(JSON.parse(out).port);
    });
    child.on('exit', (code) => reject(new Error(`mock upstream exited ${code}: ${child.stderrTail()}`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

async function startTokenomics(home, env, policy) {
  const dir = join(home, '.tokenomics');
  const { token } = JSON.parse(cli(['--dir', dir, 'token', 'create', '--policy', JSON.stringify(policy), '--json'], env));
  const port = await freePort();
  const child = spawnNode([CLI, '--dir', dir, 'serve', '--http-port', String(port), '--bind', '127.0.0.1', '--no-tls'], { env });
  await waitForHttp(`http://127.0.0.1:${port}/health`, child, 30_000);
  return { child, dir, token, url: `http://127.0.0.1:${port}` };
}

async function timeCalls(agent, url, headers, count) {
  const times = [];
  let errors = 0;
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const res = await request(url, { method: 'POST', headers, body: BODY, dispatcher: agent });
    await res.body.arrayBuffer();
    times.push(performance.now() - start);
    if (res.statusCode !== 200) errors++;
  }
  if (errors) throw new Error(`${url}: ${errors} of ${count} calls failed`);
  return times.sort((a, b) => a - b);
}

/** One stream: time to first byte, to last byte, and the arrival time of every content event ("w<i>"). */
async function timeStream(agent, url, headers) {
  const start = performance.now();
  const res = await request(url, { method: 'POST', headers, body: STREAM_BODY, dispatcher: agent });
  let first;
  let pending = '';
  const arrivals = [];
  let coalesced = 0;
  for await (const chunk of res.body) {
    const now = performance.now();
    first ??= now - start;
    pending += chunk.toString();
    const events = pending.split('\n\n');
    pending = events.pop();
    let contentEvents = 0;
    for (const event of events) {
      if (/"content":"w\d+"/.test(event)) {
        arrivals.push(now);
        contentEvents++;
      }
    }
    if (contentEvents > 1) coalesced += contentEvents - 1;
  }
  if (res.statusCode !== 200 || arrivals.length !== STREAM_CHUNKS) throw new Error(`${url}: stream answered ${res.statusCode} with ${arrivals.length} of ${STREAM_CHUNKS} chunks`);
  const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]);
  return { ttfb: first, total: performance.now() - start, gaps, coalesced };
}

async function load(target) {
  const result = await autocannon({
    url: target.url + '/v1/chat/completions',
    method: 'POST',
    headers: target.headers,
    body: BODY,
    connections: CONNECTIONS,
    duration: LOAD_SECONDS,
  });
  return {
    requests: result.requests.total,
    rps: result.requests.total / (result.duration || LOAD_SECONDS),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

function rotate(list, by) {
  const n = by % list.length;
  return [...list.slice(n), ...list.slice(0, n)];
}

const home = mkdtempSync(join(tmpdir(), 'tokenomics-bench-'));
const results = { date: new Date().toISOString() };
let exitCode = 0;
try {
  // ---- start everything ----
  const mock = await startMock();
  log(`mock upstream at ${mock.url} (pid ${mock.child.pid})`);
  const floorPort = await freePort();
  const floorChild = spawnNode([join(ROOT, 'bench/floor-proxy.mjs'), String(floorPort), mock.url]);
  await waitForHttp(`http://127.0.0.1:${floorPort}/`, floorChild);
  const portkeyPort = await freePort();
  const portkeyChild = spawnNode([PORTKEY, `--port=${portkeyPort}`, '--headless'], { env: { ...process.env, NODE_ENV: 'production' } });
  await waitForHttp(`http://127.0.0.1:${portkeyPort}/`, portkeyChild, 30_000);
  log(`floor proxy (pid ${floorChild.pid}) and Portkey (pid ${portkeyChild.pid}) answer`);

  const env = {
    ...process.env,
    TOKENOMICS_HASH_KEY: 'bench', TOKENOMICS_ENCRYPTION_KEY: 'bench', TOKENOMICS_SERVER_UPSTREAM_URL: mock.url, BENCH_KEY: 'sk-bench',
    TOKENOMICS_LEDGER_ENABLED: 'true', TOKENOMICS_LEDGER_MEMORY: 'true',
  };
  const envFor = (name) => {
    mkdirSync(join(home, name));
    return { ...env, HOME: join(home, name) };
  };
  const empty = await startTokenomics(join(home, 'empty'), envFor('empty'), { base_key_env: 'BENCH_KEY' });
  const withDefault = await startTokenomics(join(home, 'default'), envFor('default'), DEFAULT_POLICY);
  log(`tokenomics empty policy (pid ${empty.child.pid}) and default policy (pid ${withDefault.child.pid}) answer`);

  const json = { 'content-type': 'application/json' };
  const targets = {
    direct: { url: mock.url, pid: mock.child.pid, headers: { ...json, authorization: 'Bearer sk-bench' } },
    floor: { url: `http://127.0.0.1:${floorPort}`, pid: floorChild.pid, headers: { ...json, authorization: 'Bearer sk-bench' } },
    portkey: {
      url: `http://127.0.0.1:${portkeyPort}`, pid: portkeyChild.pid,
      headers: { ...json, authorization: 'Bearer sk-bench', 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${mock.url}/v1` },
    },
    'tkn-empty': { url: empty.url, pid: empty.child.pid, headers: { ...json, authorization: `Bearer ${empty.token}` } },
    'tkn-default': { url: withDefault.url, pid: withDefault.child.pid, headers: { ...json, authorization: `Bearer ${withDefault.token}` } },
  };
  const names = Object.keys(targets);
  const rssIdle = Object.fromEntries(names.map((n) => [n, rssMb(targets[n].pid)]));

  // ---- 1 + 3: one request at a time, and streams ----
  const streamErrors = {};
  const agent = new Agent({ keepAliveTimeout: 60_000, connections: 4 });
  for (const n of names) {
    await timeCalls(agent, `${targets[n].url}/v1/chat/completions`, targets[n].headers, 300); // warm-up (JIT, pools)
    try {
      await timeStream(agent, `${targets[n].url}/v1/chat/completions`, targets[n].headers);
    } catch (err) {
      // Reported in the table as missing figures rather than ending the run (Portkey 1.15.2 on Node 20 answers OpenAI
      // streams with 500 "immutable": its openai stream path re-wraps the upstream Response whose headers are frozen).
      streamErrors[n] = err.message;
      log(`streaming through ${n} fails, its stream figures are left out: ${err.message}`);
    }
  }
  log(`warmed up; latency and streams: ${ROUNDS} rounds x (${PER_ROUND} calls + ${STREAMS_PER_ROUND} streams) per target`);
  const rounds = Object.fromEntries(names.map((n) => [n, []]));
  const streams = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const n of rotate(names, r)) {
      const url = `${targets[n].url}/v1/chat/completions`;
      const times = await timeCalls(agent, url, targets[n].headers, PER_ROUND);
      rounds[n].push({ p50: pct(times, 50), p99: pct(times, 99) });
      if (!streamErrors[n]) for (let s = 0; s < STREAMS_PER_ROUND; s++) streams[n].push(await timeStream(agent, url, targets[n].headers));
    }
  }
  await agent.close();

  // ---- 2 + 5: throughput at 32 connections, CPU per request ----
  log(`throughput: ${LOAD_ROUNDS} rounds x ${LOAD_SECONDS} s x ${CONNECTIONS} connections per target`);
  const loads = Object.fromEntries(names.map((n) => [n, { runs: [], cpuMs: 0 }]));
  for (let r = 0; r < LOAD_ROUNDS; r++) {
    for (const n of rotate(names, r)) {
      const before = cpuMs(targets[n].pid);
      const run = await load(targets[n]);
      loads[n].cpuMs += cpuMs(targets[n].pid) - before;
      loads[n].runs.push(run);
      await sleep(300); // let sockets close and timers settle between runs
    }
  }
  await sleep(1000);
  const rssAfter = Object.fromEntries(names.map((n) => [n, rssMb(targets[n].pid)]));
  await sleep(3000); // Tokenomics collects garbage after 2 s without requests once it has served a burst
  const rssSettled = Object.fromEntries(names.map((n) => [n, rssMb(targets[n].pid)]));
  const hwm = Object.fromEntries(names.map((n) => {
    try {
      return [n, Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${targets[n].pid}/status`, 'utf8'))[1]) / 1024];
    } catch {
      return [n, null];
    }
  }));

  // ---- per-target figures ----
  const figures = {};
  for (const n of names) {
    const all = streams[n];
    const ttfbs = all.map((s) => s.ttfb).sort((a, b) => a - b);
    const gaps = all.flatMap((s) => s.gaps).sort((a, b) => a - b);
    const runs = loads[n].runs;
    const requests = sum(runs.map((x) => x.requests));
    figures[n] = {
      latency_p50_ms: median(rounds[n].map((x) => x.p50)),
      latency_p99_ms: median(rounds[n].map((x) => x.p99)),
      stream_error: streamErrors[n],
      stream_ttfb_p50_ms: median(ttfbs),
      stream_ttfb_p99_ms: pct(ttfbs, 99),
      stream_total_p50_ms: median(all.map((s) => s.total)),
      stream_gap_p99_ms: pct(gaps, 99),
      stream_gap_max_ms: gaps.at(-1),
      stream_coalesced_chunks: all.length ? sum(all.map((s) => s.coalesced)) : null,
      streams: all.length,
      load_rps: median(runs.map((x) => x.rps)),
      load_p50_ms: median(runs.map((x) => x.p50)),
      load_p99_ms: median(runs.map((x) => x.p99)),
      load_requests: requests,
      load_errors: sum(runs.map((x) => x.errors)),
      rss_idle_mb: rssIdle[n],
      rss_after_load_mb: rssAfter[n],
      rss_after_idle_mb: rssSettled[n],
      rss_peak_mb: hwm[n],
      cpu_ms_per_request: requests ? loads[n].cpuMs / requests : null,
    };
  }
  const d = figures.direct;
  for (const n of names) {
    const f = figures[n];
    const minus = (a, b) => (a == null || b == null ? null : a - b);
    Object.assign(f, {
      added_p50_ms: f.latency_p50_ms - d.latency_p50_ms,
      added_p99_ms: f.latency_p99_ms - d.latency_p99_ms,
      added_ttfb_p50_ms: minus(f.stream_ttfb_p50_ms, d.stream_ttfb_p50_ms),
      added_ttfb_p99_ms: minus(f.stream_ttfb_p99_ms, d.stream_ttfb_p99_ms),
      added_total_p50_ms: minus(f.stream_total_p50_ms, d.stream_total_p50_ms),
      max_extra_gap_ms: minus(f.stream_gap_max_ms, CHUNK_GAP_MS),
    });
  }

  // ---- 6: CLI cold start, ledger, rules ----
  log(`tokenomics run true: ${COLD_RUNS} runs with the running daemon, ${COLD_RUNS} with an ephemeral one`);
  const coldEnv = envFor('ephemeral');
  const coldDir = join(home, 'ephemeral', '.tokenomics');
  const coldToken = JSON.parse(cli(['--dir', coldDir, 'token', 'create', '--policy', JSON.stringify(DEFAULT_POLICY), '--json'], coldEnv)).token;
  const timeRun = (dir, runEnv, token) => {
    const start = performance.now();
    cli(['--dir', dir, 'run', 'true'], { ...runEnv, TOKENOMICS_KEY: token });
    return performance.now() - start;
  };
  const runningEnv = { ...env, HOME: join(home, 'empty') };
  const coldRunning = Array.from({ length: COLD_RUNS }, () => timeRun(empty.dir, runningEnv, empty.token));
  const coldEphemeral = Array.from({ length: COLD_RUNS }, () => timeRun(coldDir, coldEnv, coldToken));

  // The gateways are no longer needed: stop them so the remaining figures have the machine to themselves.
  await Promise.all([mock.child, floorChild, portkeyChild, empty.child, withDefault.child].map((c) => stop(c)));
  log('gateways stopped; ledger summary over 10,000 sessions');
  const ledger = benchLedger({ sessions: 10_000, runs: 3 });
  log('micro-benchmarks (rules on 100 KB)');
  const micro = microBenchmarks();
  const rules100 = micro.find((m) => m.name === RULES_100KB);

  // ---- the table ----
  const rows = [
    ['1  added latency p50, 1 at a time', 'ms', 'added_p50_ms', '<= 1'],
    ['1  added latency p99, 1 at a time', 'ms', 'added_p99_ms', '<= 3'],
    [`2  throughput, ${CONNECTIONS} connections`, 'req/s', 'load_rps', '>= 3000'],
    [`2  latency p50, ${CONNECTIONS} connections`, 'ms', 'load_p50_ms', ''],
    [`2  latency p99, ${CONNECTIONS} connections`, 'ms', 'load_p99_ms', ''],
    ['2  errors (all load runs)', 'count', 'load_errors', ''],
    ['3  stream: added TTFB p50', 'ms', 'added_ttfb_p50_ms', ''],
    ['3  stream: added TTFB p99', 'ms', 'added_ttfb_p99_ms', '<= 2'],
    ['3  stream: added time to last byte p50', 'ms', 'added_total_p50_ms', ''],
    [`3  stream: max extra chunk gap vs ${CHUNK_GAP_MS} ms`, 'ms', 'max_extra_gap_ms', 'no batching'],
    ['3  stream: chunks arriving coalesced', 'count', 'stream_coalesced_chunks', '0'],
    ['4  RSS idle', 'MB', 'rss_idle_mb', ''],
    ['4  RSS 1 s after the load', 'MB', 'rss_after_load_mb', '<= 120'],
    ['4  RSS 4 s after the load', 'MB', 'rss_after_idle_mb', '<= 120'],
    ['4  RSS peak (VmHWM)', 'MB', 'rss_peak_mb', ''],
    ['5  CPU time per request (load runs)', 'ms', 'cpu_ms_per_request', ''],
  ];
  const table = rows.map(([metric, unit, key, target]) => ({
    metric, unit, target,
    values: Object.fromEntries(names.map((n) => [n, round(figures[n][key], 3)])),
    ratios: {
      default_vs_floor: ratio(figures['tkn-default'][key], figures.floor[key]),
      default_vs_portkey: ratio(figures['tkn-default'][key], figures.portkey[key]),
      empty_vs_floor: ratio(figures['tkn-empty'][key], figures.floor[key]),
      empty_vs_portkey: ratio(figures['tkn-empty'][key], figures.portkey[key]),
    },
  }));
  const tokenomicsOnly = [
    { metric: '6  tokenomics run true, running daemon (median of 5)', unit: 'ms', value: round(median(coldRunning), 0), target: '<= 400' },
    { metric: '6  tokenomics run true, ephemeral daemon (median of 5)', unit: 'ms', value: round(median(coldEphemeral), 0), target: '' },
    { metric: '6  ledger summary, 10,000 sessions, cold (no index)', unit: 'ms', value: ledger.cold_median_ms, target: '' },
    { metric: '6  ledger summary, 10,000 sessions, warm (index)', unit: 'ms', value: ledger.warm_median_ms, target: '<= 1000' },
    { metric: '6  input rules on a 100 KB prompt (default rule set)', unit: 'ms', value: round(rules100.us_per_op / 1000, 2), target: '' },
  ];

  const fmt = (v) => (v == null ? '-' : Math.abs(v) >= 100 ? String(Math.round(v)) : v.toFixed(Math.abs(v) >= 10 ? 1 : 2));
  const fr = (v) => (v == null ? '-' : `${v.toFixed(2)}x`);
  const cols = [...names, 'def/floor', 'def/portkey', 'SPEC target'];
  const w0 = Math.max(...table.map((r) => r.metric.length + r.unit.length + 3), ...tokenomicsOnly.map((r) => r.metric.length + r.unit.length + 3));
  const line = (label, cells) => console.log(label.padEnd(w0) + cells.map((c, i) => c.padStart(i === cells.length - 1 ? 13 : 12)).join(''));
  console.log(`\nTokenomics benchmark, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}`);
  console.log(`one request at a time: ${ROUNDS} rounds x ${PER_ROUND} calls (median of round p50/p99); streams: ${ROUNDS * STREAMS_PER_ROUND} per target, ${STREAM_CHUNKS} chunks ${CHUNK_GAP_MS} ms apart;`);
  console.log(`load: ${LOAD_ROUNDS} rounds x ${LOAD_SECONDS} s at ${CONNECTIONS} connections (autocannon, median of rounds); "added" = target minus direct; direct's RSS/CPU are the mock's\n`);
  line('metric', cols);
  for (const r of table) {
    line(`${r.metric} (${r.unit})`, [...names.map((n) => fmt(r.values[n])), fr(r.ratios.default_vs_floor), fr(r.ratios.default_vs_portkey), r.target]);
  }
  console.log('');
  for (const r of tokenomicsOnly) line(`${r.metric} (${r.unit})`, [...names.map((n, i) => (i === names.length - 1 ? fmt(r.value) : '')), '', '', r.target]);
  for (const [n, message] of Object.entries(streamErrors)) console.log(`\nno stream figures for ${n}: ${message}`);
  console.log('\nratios: tkn-default / floor and tkn-default / Portkey (tkn-empty ratios are in the JSON); targets are for reference, not pass/fail');

  Object.assign(results, {
    machine: { cpus: cpus().length, cpu_model: cpus()[0]?.model, memory_gb: round(totalmem() / 2 ** 30, 1), kernel: release(), node: process.version },
    config: { rounds: ROUNDS, per_round: PER_ROUND, streams: ROUNDS * STREAMS_PER_ROUND, stream_chunks: STREAM_CHUNKS, chunk_gap_ms: CHUNK_GAP_MS, load_rounds: LOAD_ROUNDS, load_seconds: LOAD_SECONDS, connections: CONNECTIONS, body_bytes: Buffer.byteLength(BODY), default_policy: DEFAULT_POLICY },
    table,
    tokenomics_only: tokenomicsOnly,
    figures: Object.fromEntries(names.map((n) => [n, Object.fromEntries(Object.entries(figures[n]).map(([k, v]) => [k, typeof v === 'number' ? round(v, 3) : v ?? null]))])),
    cold_start_ms: { running: coldRunning.map((x) => round(x, 0)), ephemeral: coldEphemeral.map((x) => round(x, 0)) },
    ledger,
    micro,
    duration_s: round((performance.now() - runStarted) / 1000, 1),
  });
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`wrote bench/results/latest.json (${results.duration_s} s)`);
} catch (err) {
  console.error(`bench failed: ${err.stack ?? err}`);
  exitCode = 1;
} finally {
  await cleanup();
  rmSync(home, { recursive: true, force: true });
}
process.exit(exitCode);
