// Requests to providers over a shared keep-alive pool (undici), with the failure vocabulary the proxy reports.
import { Agent, errors, type Dispatcher } from 'undici';
import { GatewayError } from '../../core/proxy/errors.js';

export interface UpstreamRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: Buffer | string;
  /** Limit for the response headers to arrive, and for each silence between body chunks. */
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

export type UpstreamResponse = Dispatcher.ResponseData;

export class Upstream {
  readonly #agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connect: { timeout: 10_000 } });

  send(request: UpstreamRequest): Promise<UpstreamResponse> {
    const { origin } = new URL(request.url);
    return this.#agent.request({
      origin,
      path: request.url.slice(origin.length) || '/',
      method: request.method as Dispatcher.HttpMethod,
      headers: request.headers,
      body: request.body,
      headersTimeout: request.timeoutMs,
      bodyTimeout: request.timeoutMs,
      signal: request.signal,
    });
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}

/** Turns a transport failure into the error the client sees (502, or 504 for timeouts), naming the upstream. */
export function upstreamFailure(err: unknown, url: string, timeoutMs: number): GatewayError {
  const origin = new URL(url).origin;
  const code = (err as { code?: string }).code ?? '';
  if (err instanceof errors.HeadersTimeoutError || err instanceof errors.BodyTimeoutError || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new GatewayError('upstream_timeout', `upstream ${origin} did not answer within ${Math.round(timeoutMs / 1000)} s`);
  }
  const reason =
    code === 'ECONNREFUSED' ? 'connection refused'
    : code === 'ECONNRESET' || err instanceof errors.SocketError ? 'the connection was closed before the response completed'
    : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'host not found'
    : (err as Error).message || String(err);
  return new GatewayError('upstream_error', `upstream ${origin} failed: ${reason}`);
}
