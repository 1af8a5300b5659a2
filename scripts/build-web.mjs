// Builds the admin page (src/web) into dist/web/ with Vite, type-checks it with its own tsconfig (DOM lib), and
// turns docs/*.md into dist/web/assets/docs.json for the Docs tab, so the page never carries a copy of the docs.
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';

const pexec = promisify(execFile);

function docTitle(markdown, slug) {
  const heading = /^#\s+(.+?)\s*#*\s*$/m.exec(markdown);
  return heading ? heading[1] : slug;
}

export function buildDocsJson(root) {
  const dir = `${root}docs/`;
  const docs = readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((file) => {
      const slug = file.slice(0, -3).toLowerCase();
      const markdown = readFileSync(dir + file, 'utf8');
      return { slug, title: docTitle(markdown, slug), markdown };
    });
  mkdirSync(`${root}dist/web/assets`, { recursive: true });
  writeFileSync(`${root}dist/web/assets/docs.json`, `${JSON.stringify({ docs })}\n`);
  return docs.length;
}

export async function buildWeb(root) {
  const typecheck = pexec(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}src/web/tsconfig.json`], { cwd: root }).catch(
    (err) => {
      throw new Error(`admin page type errors:\n${err.stdout || ''}${err.stderr || ''}`);
    },
  );
  const { build } = await import('vite');
  await build({
    root: `${root}src/web`,
    base: '/admin/',
    configFile: false,
    envDir: false,
    publicDir: false,
    logLevel: 'warn',
    clearScreen: false,
    oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
    build: {
      outDir: `${root}dist/web`,
      emptyOutDir: true,
      assetsDir: 'assets',
      target: 'es2022',
      sourcemap: false,
      reportCompressedSize: false,
      chunkSizeWarningLimit: 1024,
    },
  });
  await typecheck;
  return buildDocsJson(root);
}
