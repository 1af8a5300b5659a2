// `tokenomics provider test`: can each provider be reached from here, and does it accept the key it would be sent?
// One GET per provider on its model-list endpoint, with the auth and headers the proxy would send.
import { Agent, errors, type Dispatcher } from 'undici';
import type { ProviderDef } from '../../core/providers/catalog.js';
import { buildUpstreamUrl, RouteError, upstreamAuthHeaders, type Route } from '../../core/providers/route.js';

export type ProbeStatus = 'ok' | 'fail' | 'auth' | 'unknown';

export interface ProbeResult {
  readonly name: string;
  readonly status: ProbeStatus;
  readonly detail: string;
  /** The URL asked, without its query (a query-scheme key would be in it). */
  readonly url?: string;
  readonly http_status?: number;
  readonly latency_ms?: number;
}

export interface ProbeOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Skip TLS certificate checks. */
  readonly insecure?: boolean;
  readonly timeoutMs?: number;
}

const TIMEOUT_MS = 10_000;
const PLACEHOLDER = /\{(\w+)\}/g;

/**
 * The path asked: the format's model list. `/v1/models` is joined like a client path, so an upstream whose own path
 * already ends in `/v1` is not asked for `/v1/v1/models`; Gemini and Ollama list models elsewhere.
 */
function probePath(provider: ProviderDef): string {
  if (provider.api_format === 'gemini') return '/v1beta/models';
  if (provider.api_format === 'ollama') return '/api/tags';
  return '/v1/models';
}

/** The variables a `{placeholder}` of upstream_url needs that are not set, as `AZURE_RESOURCE (or TOKENOMICS_RESOURCE)`. */
function missingPlaceholderVars(name: string, url: string, env: ProbeOptions['env']): string[] {
  const missing: string[] = [];
  for (const [, placeholder] of url.matchAll(PLACEHOLDER)) {
    const providerVar = `${name}_${placeholder}`.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
    const globalVar = `TOKENOMICS_${placeholder!.toUpperCase()}`;
    if (!env[providerVar] && !env[globalVar]) missing.push(`${providerVar} (or ${globalVar})`);
  }
  return missing;
}

function withoutQuery(url: string): string {
  const parsed = new URL(url);
  parsed.search = '';
  return parsed.toString();
}

function failureReason(err: unknown, timeoutMs: number): string {
  const code = (err as { code?: string }).code ?? '';
  const name = (err as { name?: string }).name ?? '';
  if (name === 'TimeoutError' || name === 'AbortError' || err instanceof errors.HeadersTimeoutError || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return `no answer within ${Math.round(timeoutMs / 1000)} s`;
  }
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'ECONNRESET' || err instanceof errors.SocketError) return 'the connection was closed without an answer';
  if (/certificate|self.signed|CERT_/i.test(`${code} ${(err as Error).message}`)) {
    return `TLS certificate not trusted (${(err as Error).message}); use --insecure to skip the check`;
  }
  return (err as Error).message || String(err);
}

function verdict(status: number, url: string, keyEnv: string, keySet: boolean): Pick<ProbeResult, 'status' | 'detail'> {
  if (status === 401 || status === 403) {
    const hint = !keyEnv ? '' : keySet ? ` (check the key in $${keyEnv})` : ` ($${keyEnv} is not set)`;
    return { status: 'auth', detail: `reachable but credentials invalid or missing: HTTP ${status}${hint}` };
  }
  if (status === 404) return { status: 'fail', detail: `HTTP 404 from ${url}: no such endpoint there (check upstream_url)` };
  if (status >= 500) return { status: 'fail', detail: `HTTP ${status} from ${url}: the provider is failing; try again later` };
  return { status: 'ok', detail: `HTTP ${status}` };
}

async function probe(name: string, provider: ProviderDef, options: ProbeOptions, dispatcher: Dispatcher): Promise<ProbeResult> {
  const missing = missingPlaceholderVars(name, provider.upstream_url, options.env);
  if (missing.length) return { name, status: 'fail', detail: `skipped (URL contains placeholders: set ${missing.join(', ')})` };
  const keyEnv = provider.api_key_env;
  const key = (keyEnv && options.env[keyEnv]) || '';
  const route: Route = { providerName: name, provider, apiFormat: provider.api_format, upstreamUrl: provider.upstream_url, keyEnv };
  let url: string;
  try {
    url = buildUpstreamUrl(route, 'other', probePath(provider), '', '', options.env, key);
  } catch (err) {
    if (err instanceof RouteError) return { name, status: 'fail', detail: `skipped (${err.message})` };
    throw err;
  }
  const shown = withoutQuery(url);
  const timeoutMs = options.timeoutMs ?? TIMEOUT_MS;
  const started = performance.now();
  try {
    const res = await dispatcher.request({
      origin: new URL(url).origin,
      path: url.slice(new URL(url).origin.length) || '/',
      method: 'GET',
      headers: { accept: 'application/json', ...upstreamAuthHeaders(route, key) },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const latency = Math.round(performance.now() - started);
    await res.body.dump();
    const result = verdict(res.statusCode, shown, keyEnv, Boolean(key));
    const detail = result.status === 'ok' ? `${latency}ms (${result.detail})` : result.detail;
    return { name, status: result.status, detail, url: shown, http_status: res.statusCode, latency_ms: latency };
  } catch (err) {
    return { name, status: 'fail', detail: `unreachable: ${failureReason(err, timeoutMs)}`, url: shown };
  }
}

/**
 * Tests the named providers (all of them when none is named), sorted by name. They are asked at the same time;
 * `onResult` sees the results in name order as soon as each is known.
 */
export async function testProviders(
  catalog: ReadonlyMap<string, ProviderDef>,
  names: readonly string[],
  options: ProbeOptions,
  onResult: (result: ProbeResult) => void = () => {},
): Promise<ProbeResult[]> {
  const wanted = names.length ? [...new Set(names.map((n) => n.toLowerCase()))] : [...catalog.keys()];
  wanted.sort((a, b) => a.localeCompare(b));
  const dispatcher = new Agent({
    connect: { timeout: options.timeoutMs ?? TIMEOUT_MS, ...(options.insecure ? { rejectUnauthorized: false } : {}) },
  });
  try {
    const pending = wanted.map((name) => {
      const provider = catalog.get(name);
      if (!provider) return Promise.resolve<ProbeResult>({ name, status: 'unknown', detail: 'not in config' });
      return probe(name, provider, options, dispatcher);
    });
    const results: ProbeResult[] = [];
    for (const next of pending) {
      const result = await next;
      results.push(result);
      onResult(result);
    }
    return results;
  } finally {
    await dispatcher.close();
  }
}
