// The admin routes' security checks, in order: a loopback peer (the socket, never forwarding headers), a loopback
// Host (DNS rebinding), a same-origin Origin on state-changing methods (CSRF), then optional basic auth. The first
// failing check answers; nothing about the request is logged here, so the password cannot reach a log.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { isLoopback } from '../http/io.js';

export interface BasicAuth {
  readonly username: string;
  readonly password: string;
}

/** Why a request is refused: the status, the error message and any extra header. */
export interface Refusal {
  readonly status: number;
  readonly error: string;
  readonly headers?: Record<string, string>;
}

export const AUTH_REALM = 'Basic realm="tokenomics-admin"';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const IPV4_LOOPBACK = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const LOCALHOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*localhost$/;

/** `localhost`, `*.localhost`, `127.x.x.x` or `[::1]`, each with an optional port. */
export function isLoopbackHost(host: string): boolean {
  const value = host.trim().toLowerCase();
  let name: string;
  let port: string | undefined;
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    if (end < 0) return false;
    name = value.slice(1, end);
    const rest = value.slice(end + 1);
    if (rest && !rest.startsWith(':')) return false;
    port = rest ? rest.slice(1) : undefined;
    if (name !== '::1') return false;
  } else {
    const colon = value.lastIndexOf(':');
    name = colon < 0 ? value : value.slice(0, colon);
    port = colon < 0 ? undefined : value.slice(colon + 1);
  }
  if (port !== undefined && !/^\d{1,5}$/.test(port)) return false;
  if (name === '::1') return true;
  const v4 = IPV4_LOOPBACK.exec(name);
  if (v4) return v4.slice(1).every((octet) => Number(octet) <= 255);
  return LOCALHOST.test(name);
}

/** The origin a same-origin browser request from the page carries: the scheme of this socket and the Host header. */
function ownOrigin(req: IncomingMessage, host: string): string {
  const scheme = (req.socket as TLSSocket).encrypted ? 'https' : 'http';
  return `${scheme}://${host}`.toLowerCase();
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Equal-length digests compared in constant time; both fields always compared, so timing says nothing. */
function credentialsMatch(header: string | undefined, auth: BasicAuth): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  const user = colon < 0 ? '' : decoded.slice(0, colon);
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  const userOk = timingSafeEqual(digest(user), digest(auth.username));
  const passwordOk = timingSafeEqual(digest(password), digest(auth.password));
  return match !== null && colon >= 0 && userOk && passwordOk;
}

/** Runs the checks; undefined when the request may go on. `api` adds the Sec-Fetch-Site check. */
export function refuse(req: IncomingMessage, options: { auth?: BasicAuth; api: boolean }): Refusal | undefined {
  if (!isLoopback(req)) return { status: 403, error: 'admin UI/API is local-only' };
  const host = req.headers.host;
  if (!host || !isLoopbackHost(host)) return { status: 403, error: `host not allowed: ${host === undefined ? '(none)' : host.slice(0, 200)}` };
  const method = (req.method ?? 'GET').toUpperCase();
  if (STATE_CHANGING.has(method)) {
    const origin = req.headers.origin;
    if (!origin || origin.toLowerCase() !== ownOrigin(req, host)) return { status: 403, error: 'cross-origin request refused' };
  }
  if (options.api && String(req.headers['sec-fetch-site'] ?? '').toLowerCase() === 'cross-site') {
    return { status: 403, error: 'cross-origin request refused' };
  }
  if (options.auth && !credentialsMatch(req.headers.authorization, options.auth)) {
    return { status: 401, error: 'unauthorized', headers: { 'www-authenticate': AUTH_REALM } };
  }
  return undefined;
}

/** The configured basic auth, when both fields are set (config validation refuses only one of them). */
export function basicAuth(config: { username: string; password: string }): BasicAuth | undefined {
  return config.username && config.password ? { username: config.username, password: config.password } : undefined;
}
