// Which headers cross the proxy. Hop-by-hop headers never do; the client's credentials and Accept-Encoding
// stay behind (upstream bodies must arrive uncompressed so usage can be read).
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
const NOT_FORWARDED = new Set([...HOP_BY_HOP, 'host', 'content-length', 'authorization', 'x-api-key', 'api-key', 'accept-encoding', 'expect']);

export function upstreamHeaders(client: IncomingHttpHeaders, extra: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(client)) {
    if (value === undefined || NOT_FORWARDED.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  out['accept-encoding'] = 'identity';
  return Object.assign(out, extra);
}

export function clientHeaders(upstream: Record<string, string | string[] | undefined>, dropLength: boolean): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined || HOP_BY_HOP.has(name) || (dropLength && name === 'content-length')) continue;
    out[name] = value;
  }
  return out;
}

/** Upstream request ids worth keeping in the ledger, in the order providers use them. */
export function upstreamRequestId(headers: Record<string, string | string[] | undefined>): string | undefined {
  for (const name of ['x-request-id', 'request-id', 'apim-request-id', 'mistral-correlation-id']) {
    const value = headers[name];
    if (typeof value === 'string' && value) return value;
  }
  return undefined;
}
