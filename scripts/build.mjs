#!/usr/bin/env node
// Builds dist/: compiles TypeScript, builds the admin page into dist/web/, records version/commit/date for
// `tokenomics version`, marks the CLI executable.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildWeb } from './build-web.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
const git = (args) => {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
};

rmSync(`${root}dist`, { recursive: true, force: true });
console.log('build: compiling TypeScript');
run(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.build.json']);
mkdirSync(`${root}dist`, { recursive: true });
console.log('build: building the admin page (src/web -> dist/web)');
const docCount = await buildWeb(root);
console.log(`build: admin page built, ${docCount} docs bundled`);
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const info = {
  version: pkg.version,
  commit: git(['rev-parse', '--short', 'HEAD']) ?? 'unknown',
  built: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
};
writeFileSync(`${root}dist/build-info.json`, `${JSON.stringify(info, null, 2)}\n`);
chmodSync(`${root}dist/cli/main.js`, 0o755);
console.log(`build: done (tokenomics ${info.version}, commit ${info.commit})`);
