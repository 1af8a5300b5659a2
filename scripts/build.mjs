#!/usr/bin/env node
// Builds dist/: compiles TypeScript, builds the admin page into dist/web/, records version/commit/date for
// `tokenomics version`, marks the CLI executable.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildWeb } from './build-web.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const git = (args) => {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
};

/** Runs a command with the build's output, resolving when it exits 0. */
const runAsync = (cmd, args) =>
  new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} failed (exit ${code})`))));
  });

rmSync(`${root}dist`, { recursive: true, force: true });
mkdirSync(`${root}dist`, { recursive: true });
// The daemon's TypeScript and the admin page are independent: build them side by side.
console.log('build: compiling TypeScript');
const daemon = runAsync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.build.json']);
console.log('build: building the admin page (src/web -> dist/web)');
const page = buildWeb(root).then((docCount) => console.log(`build: admin page built, ${docCount} docs bundled`));
const results = await Promise.allSettled([daemon, page]);
for (const r of results) if (r.status === 'rejected') console.error(`build: ${r.reason instanceof Error ? r.reason.message : r.reason}`);
if (results.some((r) => r.status === 'rejected')) process.exit(1);
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const info = {
  version: pkg.version,
  commit: git(['rev-parse', '--short', 'HEAD']) ?? 'unknown',
  built: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
};
writeFileSync(`${root}dist/build-info.json`, `${JSON.stringify(info, null, 2)}\n`);
chmodSync(`${root}dist/cli/main.js`, 0o755);
console.log(`build: done (tokenomics ${info.version}, commit ${info.commit})`);
