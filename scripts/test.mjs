#!/usr/bin/env node
// `npm test` after the build: the suite, then the secret scan over everything the suite left in one run root.
// Arguments go to both vitest runs; a JSON report path (--outputFile.json=X) gets a second file for the scan
// (X with `.secret-scan` before `.json`), which scripts/ci-summary.mjs adds up with the first.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const root = mkdtempSync(join(tmpdir(), 'tokenomics-test-run-'));
const env = { ...process.env, TZ: 'UTC', TOKENOMICS_TEST_RUN_ROOT: root };
const vitest = (extra) => spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...extra], { stdio: 'inherit', env }).status ?? 1;

const suite = vitest(args);
const scanArgs = args.map((arg) => arg.replace(/^(--outputFile\.json=.*?)(\.json)?$/, (_, base, ext) => `${base}.secret-scan${ext ?? ''}`));
// Only options go to the scan: a file filter meant for the suite would leave it nothing to run.
const scan = vitest(['--config', 'vitest.secret-scan.config.ts', ...scanArgs.filter((a) => a.startsWith('-'))]);
if (scan === 0) rmSync(root, { recursive: true, force: true });
else console.error(`secret scan failed; the run's files are kept in ${root}`);
process.exit(suite || scan);
