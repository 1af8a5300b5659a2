// How every admin response is sent: the security headers, JSON with a trailing newline, and errors as
// `{"error":"…"}` raised anywhere in a handler as an AdminError.
import type { ServerResponse } from 'node:http';

/** On every admin response, page and API alike. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

export const API_HEADERS: Readonly<Record<string, string>> = { ...SECURITY_HEADERS, 'cache-control': 'no-store' };

export const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** A failure a handler reports to the client as is: status and message (plus fields such as `issues`). */
export class AdminError extends Error {
  constructor(readonly status: number, message: string, readonly extra: Record<string, unknown> = {}, readonly headers: Record<string, string> = {}) {
    super(message);
    this.name = 'AdminError';
  }
}

export function sendAdminJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...API_HEADERS, ...headers });
  res.end(text);
}

export function sendAdminError(res: ServerResponse, status: number, error: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendAdminJson(res, status, { error, ...extra }, headers);
}
