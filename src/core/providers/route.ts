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

/** The upstream path in two parts: what the configuration wrote (placeholders allowed) and what the client sent. */
interface UpstreamPathParts {
  /** Path prefix of upstream_url, or prefix + chat_path: configuration, so `{name}` placeholders are filled. */
  readonly configured: string;
  /** The client's path (possibly shortened by a repeated `/v1`): taken literally, never filled. */
  readonly client: string;
}

/**
 * The provider's chat_path replaces the native model-calling endpoint (chat completions for OpenAI-format providers,
 * messages for Anthropic-format ones); every other path is appended to the upstream's own path prefix, without
 * repeating a `/v1` the prefix already ends with.
 */
function upstreamPathParts(route: Route, endpoint: Endpoint, clientPath: string): UpstreamPathParts {
  const prefix = pathPrefix(route.upstreamUrl);
  const chatPath = route.provider?.chat_path;
  const native =
    (endpoint === 'chat' && route.apiFormat === 'openai') || (endpoint === 'messages' && route.apiFormat === 'anthropic');
  if (native && chatPath) return { configured: join(prefix, chatPath), client: '' };
  if (prefix.endsWith('/v1') && (clientPath === '/v1' || clientPath.startsWith('/v1/'))) {
    return { configured: prefix, client: clientPath.slice(3) };
  }
  return { configured: prefix, client: clientPath };
}

/** The upstream path for a client path, placeholders of the configuration left in. */
export function upstreamPath(route: Route, endpoint: Endpoint, clientPath: string): string {
  const parts = upstreamPathParts(route, endpoint, clientPath);
  return join(parts.configured, parts.client);
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
 * Only configuration text (upstream_url, chat_path) is filled: a client could otherwise read any variable back.
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

/**
 * The full upstream URL: the configured origin and path, the client's path, the client's query, the provider's query
 * and a query-scheme key. The origin is always the configured one: the client's path is appended as text, so a path
 * such as `//other.host/x` stays a path.
 */
export function buildUpstreamUrl(
  route: Route,
  endpoint: Endpoint,
  clientPath: string,
  clientQuery: string,
  model: string,
  env: Readonly<Record<string, string | undefined>>,
  key: string,
): string {
  const fill = (text: string) => fillPlaceholders(text, route.providerName, model, env);
  const origin = new URL(fill(route.upstreamUrl)).origin;
  const parts = upstreamPathParts(route, endpoint, clientPath);
  const url = new URL(origin + join(fill(parts.configured), parts.client));
  if (url.origin !== origin) throw new RouteError(`the request path ${clientPath} does not stay on the upstream ${origin}`);
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
