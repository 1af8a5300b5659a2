// Raw HTTP for the admin tests: exact paths (fetch would normalise `..` away), any Host header or none, and a chosen
// local address, so a test can be a browser on this machine, another site, or another machine.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  json<T = Record<string, unknown>>(): T;
}

export interface RawOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** Leave the Host header out entirely. */
  readonly noHost?: boolean;
  /** Connect to this address instead of the URL's host (the Host header still says what `headers.host` says). */
  readonly connectTo?: string;
  readonly localAddress?: string;
  /** For HTTPS: the CA to trust. */
  readonly ca?: string | Buffer;
}

/** One request to `base` + `path` (sent exactly as given); bounded to 10 s. */
export function raw(base: string, path: string, options: RawOptions = {}): Promise<RawResponse> {
  const url = new URL(base);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      {
        host: options.connectTo ?? url.hostname,
        port: url.port,
        path,
        method: options.method ?? 'GET',
        headers: { ...(options.noHost ? {} : { host: url.host }), ...options.headers },
        setHost: false,
        localAddress: options.localAddress,
        ca: options.ca,
        agent: false,
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: <T>() => JSON.parse(text) as T,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer to ${options.method ?? 'GET'} ${path} within 10 s`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The headers a same-origin page would send with a change (POST, PUT, DELETE). */
export function sameOrigin(base: string, extra: Record<string, string> = {}): Record<string, string> {
  return { origin: new URL(base).origin, 'content-type': 'application/json', ...extra };
}

/** A non-loopback IPv4 address of this machine (eth0's, say), if it has one. */
export function nonLoopbackAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const address of list ?? []) if (address.family === 'IPv4' && !address.internal && !address.address.startsWith('127.')) return address.address;
  }
  return undefined;
}

/** A request written by hand on a TCP socket (HTTP/1.0 may leave out Host, which Node's client never does). */
export function rawSocket(base: string, text: string): Promise<{ status: number; text: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    let data = '';
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')));
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, text: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
    socket.on('error', reject);
    socket.end(text);
  });
}
