// One error type for everything the gateway itself refuses or fails at, rendered in the caller's wire format.

/** The error vocabulary of the two client-facing wire formats. */
export type ErrorShape = 'openai' | 'anthropic';

export type GatewayErrorCode =
  | 'bad_request'
  | 'payload_too_large'
  | 'missing_token'
  | 'invalid_token'
  | 'expired_token'
  | 'forbidden'
  | 'rate_limited'
  | 'budget_exceeded'
  | 'counters_unavailable'
  | 'not_supported'
  | 'config_error'
  | 'upstream_error'
  | 'upstream_timeout'
  | 'internal_error';

const STATUS: Record<GatewayErrorCode, number> = {
  bad_request: 400,
  payload_too_large: 413,
  missing_token: 401,
  invalid_token: 401,
  expired_token: 401,
  forbidden: 403,
  rate_limited: 429,
  budget_exceeded: 429,
  counters_unavailable: 503,
  not_supported: 400,
  config_error: 500,
  upstream_error: 502,
  upstream_timeout: 504,
  internal_error: 500,
};

const ANTHROPIC_TYPE: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  504: 'timeout_error',
};

export class GatewayError extends Error {
  readonly status: number;
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    /** Extra response headers, such as Retry-After. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.status = STATUS[code];
  }
}

/** The JSON body for an error in the caller's format; never empty. */
export function errorBody(shape: ErrorShape, status: number, code: string, message: string): string {
  if (shape === 'anthropic') {
    return JSON.stringify({ type: 'error', error: { type: ANTHROPIC_TYPE[status] ?? 'api_error', message } });
  }
  return JSON.stringify({ error: { message, type: 'tokenomics_error', code } });
}

/** An SSE event that ends a stream with an error, for failures after the response headers went out. */
export function errorEvent(shape: ErrorShape, status: number, code: string, message: string): string {
  const body = errorBody(shape, status, code, message);
  return shape === 'anthropic' ? `event: error\ndata: ${body}\n\n` : `data: ${body}\n\n`;
}
