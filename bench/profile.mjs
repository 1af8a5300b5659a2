#!/usr/bin/env node
// `node bench/profile.mjs [seconds]`: where a Tokenomics daemon with the default policy spends its CPU under load.
// Starts the mock upstream and `node --cpu-prof tokenomics serve`, loads it at 32 connections with
// autocannon (after a warm-up that is left out), stops it, and prints the functions with the most self time and the files they live in. The .cpuprofile
// stays in bench/results/ for Chrome DevTools. Run after `npm run build`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { cleanup, cpuMs, freePort, spawnNode, stop, waitForHttp } from './lib/procs.mjs';
import { startMock } from './lib/mock-upstream.mjs';
import { BODY, DEFAULT_POLICY } from './lib/workload.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');
const SECONDS = Number(process.argv[2] ?? 10);
const POLICY = process.env.PROFILE_POLICY === 'empty' ? { base_key_env: 'BENCH_KEY' } : DEFAULT_POLICY;

const home = mkdtempSync(join(tmpdir(), 'tkn-profile-'));
const profDir = join(home, 'prof');
const dir = join(home, '.tokenomics');
try {
  // The mock runs in this process: only the daemon is profiled.
  const mock = await startMock();
  const mockPort = mock.address().port;
  const env = {
    ...process.env, HOME: home, BENCH_KEY: 'sk-bench', TOKENOMICS_HASH_KEY: 'bench', TOKENOMICS_ENCRYPTION_KEY: 'bench',
    TOKENOMICS_SERVER_UPSTREAM_URL: `http://127.0.0.1:${mockPort}`, TOKENOMICS_LEDGER_ENABLED: 'true', TOKENOMICS_LEDGER_MEMORY: 'true',
  };
  const created = spawnSync(process.execPath, [CLI, '--dir', dir, 'token', 'create', '--policy', JSON.stringify(POLICY), '--json'], { env, encoding: 'utf8' });
  if (created.status !== 0) throw new Error(created.stderr);
  const { token } = JSON.parse(created.stdout);
  const port = await freePort();
  const daemon = spawnNode(['--cpu-prof', `--cpu-prof-dir=${profDir}`, CLI, '--dir', dir, 'serve', '--http-port', String(port), '--bind', '127.0.0.1', '--no-tls'], { env });
  await waitForHttp(`http://127.0.0.1:${port}/health`, daemon, 30_000);
  const load = (duration) => autocannon({
    url: `http://127.0.0.1:${port}/v1/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: BODY,
    connections: 32,
    duration,
  });
  await load(2); // warm-up: start-up work (module compilation, the tokenizer's tables) stays out of the figures
  // V8's profile clock and hrtime are both CLOCK_MONOTONIC on Linux: samples before this instant are left out.
  const measuredFrom = Number(process.hrtime.bigint() / 1000n);
  const cpuBefore = cpuMs(daemon.pid);
  const result = await load(SECONDS);
  const cpuPerRequest = ((cpuMs(daemon.pid) - cpuBefore) * 1000) / result.requests.total;
  console.log(`${result.requests.total} requests, ${Math.round(result.requests.average)} req/s, non-2xx ${result.non2xx}, errors ${result.errors}, CPU time ${Math.round(cpuPerRequest)} µs per request (user + system, /proc)`);
  await stop(daemon);
  mock.close();
  const [file] = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const kept = join(ROOT, 'bench/results/daemon.cpuprofile');
  renameSync(join(profDir, file), kept);
  report(JSON.parse(readFileSync(kept, 'utf8')), result.requests.total, measuredFrom);
  console.log(`profile: ${relative(process.cwd(), kept)}`);
} finally {
  await cleanup();
  rmSync(home, { recursive: true, force: true });
}

/** Self time per function and per file, in microseconds per request. */
function report(profile, requests, from) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += dt[i] ?? 0;
    if (at >= from) self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (dt[i] ?? 0));
  }
  const fns = new Map();
  const files = new Map();
  let total = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const where = url ? url.replace(/^file:\/\//, '').replace(ROOT, '') : '';
    if (functionName === '(idle)' || functionName === '(program)') continue;
    total += us;
    const key = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    const file = where.replace(/node_modules\/((@[^/]+\/)?[^/]+).*/, 'node_modules/$1') || functionName;
    files.set(file, (files.get(file) ?? 0) + us);
  }
  const top = (map, n) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n);
  const per = (us) => `${(us / requests).toFixed(1).padStart(7)} µs/req  ${((100 * us) / total).toFixed(1).padStart(5)}%`;
  console.log(`\nbusy CPU: ${(total / requests).toFixed(1)} µs per request\n\ntop files (self time)`);
  for (const [file, us] of top(files, 25)) console.log(`${per(us)}  ${file}`);
  console.log('\ntop functions (self time)');
  for (const [fn, us] of top(fns, 40)) console.log(`${per(us)}  ${fn}`);
}
