#!/usr/bin/env node
// Ledger report benchmark on its own (bench/run.mjs runs it too): 10,000 generated sessions, `tokenomics ledger
// summary --json` timed cold (no rollup index) and warm (index present), 3 runs each. Prints the medians; writes
// bench/results/ledger.json. Run after `npm run build`: node bench/ledger.mjs [sessions]
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { benchLedger } from './lib/ledger.mjs';

const results = { ...benchLedger({ sessions: Number(process.argv[2] ?? 10_000), log: console.log }), node: process.version, date: new Date().toISOString() };
console.log(`ledger summary --json over ${results.sessions} sessions (${results.requests} requests), median of ${results.runs}:`);
console.log(`  cold (no index):  ${results.cold_median_ms} ms`);
console.log(`  warm (index):     ${results.warm_median_ms} ms  (target <= 1000 ms; ${(results.cold_median_ms / results.warm_median_ms).toFixed(1)}x faster than cold)`);
console.log(`  cold and warm output identical: ${results.cold_warm_output_identical}`);
const out = fileURLToPath(new URL('results/', import.meta.url));
mkdirSync(out, { recursive: true });
writeFileSync(`${out}ledger.json`, `${JSON.stringify(results, null, 2)}\n`);
console.log('wrote bench/results/ledger.json');
