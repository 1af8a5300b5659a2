// What providers say about their own limits in response headers (reference section 8), for the ledger and logs.

type Headers = Readonly<Record<string, string | string[] | undefined>>;

export interface ProviderMeta {
  rate_limit_remaining_requests?: number;
  rate_limit_remaining_tokens?: number;
  rate_limit_reset?: string;
  /** Anthropic's subscription limits: `anthropic-ratelimit-unified-<name>` headers, keyed by <name>. */
  rate_limit_unified?: Record<string, string>;
}

function header(headers: Headers, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = headers[name];
    const text = Array.isArray(value) ? value[0] : value;
    if (text) return text;
  }
  return undefined;
}

function int(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number.parseInt(text, 10);
  return Number.isFinite(n) ? n : undefined;
}

const UNIFIED = 'anthropic-ratelimit-unified-';

/** The provider's rate-limit headers, or undefined when it sent none. */
export function providerMeta(headers: Headers): ProviderMeta | undefined {
  const meta: ProviderMeta = {};
  const requests = int(header(headers, 'x-ratelimit-remaining-requests', 'anthropic-ratelimit-requests-remaining'));
  const tokens = int(header(headers, 'x-ratelimit-remaining-tokens', 'anthropic-ratelimit-tokens-remaining'));
  const reset = header(headers, 'x-ratelimit-reset-requests', 'anthropic-ratelimit-tokens-reset', 'x-ratelimit-reset-tokens');
  if (requests !== undefined) meta.rate_limit_remaining_requests = requests;
  if (tokens !== undefined) meta.rate_limit_remaining_tokens = tokens;
  if (reset) meta.rate_limit_reset = reset;
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith(UNIFIED) || value === undefined) continue;
    (meta.rate_limit_unified ??= {})[name.slice(UNIFIED.length)] = Array.isArray(value) ? value.join(', ') : value;
  }
  return Object.keys(meta).length ? meta : undefined;
}
