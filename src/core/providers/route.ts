// Where one request goes: which provider, which upstream URL (path prefix kept, placeholders filled, auth
// query added), which real key and which extra headers. Pure: the caller passes the environment in.
import type { ApiFormat, ProviderDef, ProviderCatalog } from './catalog.js';

export interface RouteInput {
  readonly catalog: ProviderCatalog;
  /** Provider chosen by the policy (matched provider policy or the policy's default_provider). */
  readonly providerName?: string;
  /** The config's default_provider. */
  readonly defaultProvider: string;
  /** upstream_url of the resolved policy, if any. */
  readonly policyUpstreamUrl?: string;
  /** base_key_env of the resolved policy, if any. */
  readonly policyKeyEnv?: string;
  /** server.upstream_url. */
  readonly serverUpstreamUrl: string;
}

export interface Route {
  readonly providerName: string;
  readonly provider?: ProviderDef;
  readonly apiFormat: ApiFormat;
  readonly upstreamUrl: string;
  /** The env var that holds the real key ('' when the provider needs none). */
  readonly keyEnv: string;
}

export class RouteError extends Error {}

export function resolveRoute(input: RouteInput): Route {
  const providerName = input.providerName || input.defaultProvider;
  const provider = input.catalog.get(providerName.toLowerCase());
  return {
    providerName,
    provider,
    apiFormat: provider?.api_format ?? 'openai',
    upstreamUrl: input.policyUpstreamUrl || provider?.upstream_url || input.serverUpstreamUrl,
    keyEnv: input.policyKeyEnv || provider?.api_key_env || '',
  };
}

/** Which endpoint family a path belongs to, for choosing the provider's own path. */
export type Endpoint = 'chat' | 'messages' | 'other';

/**
 * The upstream path for a client path. The provider's chat_path replaces the native model-calling endpoint
 * (chat completions for OpenAI-format providers, messages for Anthropic-format ones); every other path is
 * appended to the upstream's own path prefix, without repeating a `/v1` the prefix already ends with.
 */
export function upstreamPath(route: Route, endpoint: Endpoint, clientPath: string): string {
  const prefix = pathPrefix(route.upstreamUrl);
  const chatPath = route.provider?.chat_path;
  const native =
    (endpoint === 'chat' && route.apiFormat === 'openai') || (endpoint === 'messages' && route.apiFormat === 'anthropic');
  if (native && chatPath) return join(prefix, chatPath);
  if (prefix.endsWith('/v1') && (clientPath === '/v1' || clientPath.startsWith('/v1/'))) {
    return join(prefix, clientPath.slice(3));
  }
  return join(prefix, clientPath);
}

function join(prefix: string, path: string): string {
  if (!path) return prefix || '/';
  return prefix + (path.startsWith('/') ? path : `/${path}`);
}

/** The path part of an upstream URL, placeholders left in (they are filled with the rest of the path). */
function pathPrefix(url: string): string {
  return url.replace(/^[a-z]+:\/\/[^/?#]*/i, '').replace(/[?#].*$/, '').replace(/\/+$/, '');
}

const PLACEHOLDER = /\{(\w+)\}/g;

/**
 * Fills `{model}` from the request and any other `{name}` from the environment: `<PROVIDER>_<NAME>` (for example
 * AZURE_OPENAI_RESOURCE), else `TOKENOMICS_<NAME>`. A placeholder with no value is an error naming both variables.
 */
export function fillPlaceholders(
  text: string,
  providerName: string,
  model: string,
  env: Readonly<Record<string, string | undefined>>,
): string {
  return text.replace(PLACEHOLDER, (_whole, name: string) => {
    if (name === 'model') return encodeURIComponent(model);
    const providerVar = `${providerName}_${name}`.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
    const globalVar = `TOKENOMICS_${name.toUpperCase()}`;
    const value = env[providerVar] || env[globalVar];
    if (!value) {
      throw new RouteError(
        `the upstream URL of provider "${providerName}" needs {${name}}: set ${providerVar} (or ${globalVar})`,
      );
    }
    return value;
  });
}

/** The full upstream URL: origin + path, the client's query, the provider's query and a query-scheme key. */
export function buildUpstreamUrl(
  route: Route,
  path: string,
  clientQuery: string,
  model: string,
  env: Readonly<Record<string, string | undefined>>,
  key: string,
): string {
  const origin = new URL(fillPlaceholders(route.upstreamUrl, route.providerName, model, env));
  const url = new URL(fillPlaceholders(path, route.providerName, model, env), origin.origin);
  url.search = clientQuery;
  for (const [name, value] of Object.entries(route.provider?.query ?? {})) {
    if (!url.searchParams.has(name)) url.searchParams.set(name, value);
  }
  if (route.provider?.auth_scheme === 'query' && key) url.searchParams.set('key', key);
  return url.toString();
}

/** Headers that carry the real key and the provider's fixed headers. */
export function upstreamAuthHeaders(route: Route, key: string): Record<string, string> {
  const headers: Record<string, string> = {};
  const scheme = route.provider?.auth_scheme ?? 'bearer';
  if (key) {
    if (scheme === 'bearer') headers.authorization = `Bearer ${key}`;
    else if (scheme === 'header') headers[(route.provider?.auth_header || 'authorization').toLowerCase()] = key;
  }
  for (const [name, value] of Object.entries(route.provider?.headers ?? {})) headers[name.toLowerCase()] = value;
  return headers;
}
