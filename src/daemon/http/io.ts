// Small HTTP helpers shared by the proxy, the control API and the status routes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody, GatewayError, type ErrorShape } from '../../core/proxy/errors.js';

/** Reads a request body up to `limit` bytes; beyond that a 413 GatewayError. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) {
    req.resume();
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError('payload_too_large', `request body is larger than ${Math.round(limit / 1048576)} MB`);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, shape: ErrorShape, err: GatewayError, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, err.status, errorBody(shape, err.status, err.code, err.message), { ...err.headers, ...headers });
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/** Loopback is decided by the socket's peer address only; forwarding headers are ignored. */
export function isLoopback(req: IncomingMessage): boolean {
  return LOOPBACK.test(req.socket.remoteAddress ?? '');
}
