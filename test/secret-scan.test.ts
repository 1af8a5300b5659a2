// Runs after the whole suite (`scripts/test.mjs`, a second vitest invocation): every file the run left under its
// run root, the daemons' and CLIs' output and every API response the tests received are free of provider keys, the
// gateway's own keys, webhook secrets, basic-auth passwords and raw wrapper tokens (outside token-create answers).
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runRoot } from './helpers/run-root.js';
import { scanRunRoot } from './helpers/secret-scan.js';

const root = runRoot();

describe('secrets after the full test suite', () => {
  it.runIf(root !== undefined)('appear in no file, log or API response of the run', () => {
    expect(existsSync(root!)).toBe(true);
    const { findings, filesScanned, secrets } = scanRunRoot(root!);
    console.log(`secret scan: ${filesScanned} files, ${secrets} known secret values, ${findings.length} findings`);
    expect(filesScanned, 'the run left files to scan').toBeGreaterThan(0);
    expect(secrets, 'the run recorded the secrets it used').toBeGreaterThan(0);
    expect(findings.map((f) => `${f.file}: ${f.what}`)).toEqual([]);
  });
});
