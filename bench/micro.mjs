#!/usr/bin/env node
// Micro-benchmarks on their own (bench/run.mjs runs them too): ops/s and µs/op, no pass/fail.
// Run after `npm run build`: node bench/micro.mjs [--json]
import { microBenchmarks } from './lib/micro.mjs';

const results = microBenchmarks();
const width = Math.max(...results.map((r) => r.name.length));
console.log(`${'benchmark'.padEnd(width)}  ${'µs/op'.padStart(10)}  ${'ops/s'.padStart(12)}`);
for (const r of results) console.log(`${r.name.padEnd(width)}  ${String(r.us_per_op).padStart(10)}  ${String(r.ops_per_s).padStart(12)}`);
if (process.argv.includes('--json')) console.log(JSON.stringify(results, null, 2));
