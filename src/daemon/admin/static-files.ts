// The admin page's files: the SPA's index.html for every page route and its built assets under /admin/assets/.
// The build lives in dist/web (this module sits in dist/daemon/admin); TOKENOMICS_WEB_DIR points elsewhere, a
// development aid. Asset paths are checked segment by segment and resolved (symlinks too) inside the assets folder.
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PAGE_CSP, SECURITY_HEADERS } from './respond.js';

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** Vite's content-hashed names (`index-B9x_Qw3a.js`) never change content, so browsers may keep them for a year. */
const HASHED = /-(?=[A-Za-z0-9_-]*[A-Z0-9])[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

const NOT_BUILT = 'the admin page is not built: run npm run build\n';

export function webDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.TOKENOMICS_WEB_DIR || fileURLToPath(new URL('../../web/', import.meta.url));
}

/** The segments of an asset path, or undefined when it could leave the folder or name something odd. */
export function safeSegments(encoded: string): string[] | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
  if (!decoded || decoded.includes('\\') || decoded.includes('\0') || decoded.startsWith('/')) return undefined;
  const segments = decoded.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || /^[A-Za-z]:$/.test(s))) return undefined;
  return segments;
}

/** `inside` or a path within it, after resolving symlinks; false when either does not exist. */
export function resolvesInside(path: string, inside: string): string | undefined {
  try {
    const root = realpathSync(inside);
    const real = realpathSync(path);
    return real === root || real.startsWith(root + sep) ? real : undefined;
  } catch {
    return undefined;
  }
}

export class StaticFiles {
  constructor(readonly dir: string) {}

  /** The SPA's index.html, or 503 text when the page was not built. */
  page(req: IncomingMessage, res: ServerResponse): void {
    let html: Buffer;
    try {
      html = readFileSync(join(this.dir, 'index.html'));
    } catch {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(NOT_BUILT), 'cache-control': 'no-store', ...SECURITY_HEADERS });
      res.end(req.method === 'HEAD' ? undefined : NOT_BUILT);
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': html.length,
      'cache-control': 'no-cache',
      'content-security-policy': PAGE_CSP,
      ...SECURITY_HEADERS,
    });
    res.end(req.method === 'HEAD' ? undefined : html);
  }

  /** A file under assets/ by its URL path (still percent-encoded); 404 for anything else. */
  asset(req: IncomingMessage, res: ServerResponse, encodedPath: string): void {
    const segments = safeSegments(encodedPath);
    const assets = join(this.dir, 'assets');
    const real = segments ? resolvesInside(join(assets, ...segments), assets) : undefined;
    let body: Buffer | undefined;
    if (real && existsSync(real) && statSync(real).isFile()) {
      try {
        body = readFileSync(real);
      } catch {
        body = undefined;
      }
    }
    if (!body || !segments) {
      const text = 'not found\n';
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...SECURITY_HEADERS });
      res.end(req.method === 'HEAD' ? undefined : text);
      return;
    }
    const name = segments[segments.length - 1]!;
    res.writeHead(200, {
      'content-type': MIME[extname(name).toLowerCase()] ?? 'application/octet-stream',
      'content-length': body.length,
      'cache-control': HASHED.test(name) ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...SECURITY_HEADERS,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}
