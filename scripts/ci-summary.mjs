#!/usr/bin/env node
// Reads vitest's JSON reports and prints the one line CI reads: `N passed, N failed, N skipped`.
// Exits non-zero when a test failed, a file failed to load, or no test ran at all.
import { readFileSync } from 'node:fs';

// Several reports (the suite and the secret scan that runs after it) add up to one line.
const paths = process.argv.slice(2);
const reports = [];
for (const path of paths) {
  try {
    reports.push(JSON.parse(readFileSync(path, 'utf8')));
  } catch (err) {
    console.log('0 passed, 1 failed');
    console.error(`ci-summary: cannot read ${path}: ${err.message}`);
    process.exit(1);
  }
}
const sum = (field) => reports.reduce((n, r) => n + (r[field] ?? 0), 0);
const report = { testResults: reports.flatMap((r) => r.testResults ?? []) };
const passed = sum('numPassedTests');
const failedTests = sum('numFailedTests');
// A test file that fails to import counts as a failure even though no test inside it ran.
const brokenFiles = report.testResults.filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length;
const skipped = sum('numPendingTests') + sum('numTodoTests');
const failed = failedTests + brokenFiles;
for (const file of report.testResults ?? []) {
  for (const test of file.assertionResults ?? []) {
    if (test.status === 'failed') console.error(`FAILED: ${file.name.replace(process.cwd() + '/', '')} > ${test.fullName}`);
  }
  if (file.status === 'failed' && !(file.assertionResults ?? []).length) console.error(`FAILED TO LOAD: ${file.name}: ${file.message ?? ''}`);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
