#!/usr/bin/env node
// Reads vitest's JSON report and prints the one line CI reads: `N passed, N failed, N skipped`.
// Exits non-zero when a test failed, a file failed to load, or no test ran at all.
import { readFileSync } from 'node:fs';

const path = process.argv[2];
let report;
try {
  report = JSON.parse(readFileSync(path, 'utf8'));
} catch (err) {
  console.log('0 passed, 1 failed');
  console.error(`ci-summary: cannot read ${path}: ${err.message}`);
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
const failedTests = report.numFailedTests ?? 0;
// A test file that fails to import counts as a failure even though no test inside it ran.
const brokenFiles = (report.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
const failed = failedTests + brokenFiles;
for (const file of report.testResults ?? []) {
  for (const test of file.assertionResults ?? []) {
    if (test.status === 'failed') console.error(`FAILED: ${file.name.replace(process.cwd() + '/', '')} > ${test.fullName}`);
  }
  if (file.status === 'failed' && !(file.assertionResults ?? []).length) console.error(`FAILED TO LOAD: ${file.name}: ${file.message ?? ''}`);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
