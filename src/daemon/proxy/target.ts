// One model's upstream request, built from the client's: the token's policy resolved for the model, the provider
// route and its key, input rules and injected prompts applied, the body translated when the provider speaks another
// format, and the URL and headers it goes out with.
import type { IncomingMessage } from 'node:http';
import type { Config } from '../../core/config/types.js';
import type { EventSink } from '../../core/events/types.js';
import type { FormatAdapter } from '../../core/formats/index.js';
import { applyRules, blockedMessage } from '../../core/policy/enforce.js';
import { modelRefusal } from '../../core/policy/model-check.js';
import { resolvePolicy, type ResolvedPolicy } from '../../core/policy/resolve.js';
import { ruleSetFor, type RuleSet } from '../../core/policy/rules/engine.js';
import type { ProviderCatalog } from '../../core/providers/catalog.js';
import { buildUpstreamUrl, resolveRoute, RouteError, upstreamAuthHeaders, type Route } from '../../core/providers/route.js';
import { GatewayError } from '../../core/proxy/errors.js';
import { bridgeFor, type Bridge } from '../../core/translate/bridge.js';
import type { Json } from '../../core/usage/usage.js';
import type { TokenRecord } from '../store/token-store.js';
import { upstreamHeaders } from './headers.js';
import { recordRuleMatches, type Outcome } from './outcome.js';

/** Upstream timeout when the policy sets none: long enough for a slow non-streaming completion. */
export const DEFAULT_TIMEOUT_SECONDS = 600;

export interface TargetDeps {
  readonly config: Config;
  readonly catalog: ProviderCatalog;
  readonly env: NodeJS.ProcessEnv;
  readonly events: EventSink;
}

/** What the client sent, as every attempt needs it. */
export interface ClientRequest {
  readonly req: IncomingMessage;
  readonly requestId: string;
  readonly path: string;
  readonly query: string;
  readonly adapter?: FormatAdapter;
  readonly raw?: Buffer;
  readonly body?: Json;
  readonly record: TokenRecord;
}

/** One model's request, ready to send. */
export interface Target {
  readonly model: string;
  readonly resolved: ResolvedPolicy;
  readonly route: Route;
  readonly rules: RuleSet;
  /** The JSON body as it goes upstream (model-calling paths only). */
  readonly body?: Json;
  readonly url: string;
  readonly logUrl: string;
  readonly headers: Record<string, string>;
  readonly method: string;
  readonly payload?: Buffer | string;
  /** stream_options.include_usage was added: the tap drops the usage-only chunk. */
  readonly addedUsage: boolean;
  /** The provider speaks another wire format: the request went out translated, the answer comes back translated. */
  readonly bridge?: Bridge;
  readonly timeoutMs: number;
}

export function buildTarget(deps: TargetDeps, request: ClientRequest, model: string, primaryBody: Json | undefined, outcome: Outcome): Target {
  const { record, adapter } = request;
  const resolved = resolvePolicy(record.policy, model);
  if (model) {
    const refusal = modelRefusal(resolved, model);
    if (refusal) throw new GatewayError('forbidden', refusal);
  }
  const route = resolveRoute({
    catalog: deps.catalog,
    providerName: resolved.providerName ?? record.policy.default_provider,
    defaultProvider: deps.config.default_provider,
    policyUpstreamUrl: resolved.upstreamUrl,
    policyKeyEnv: resolved.baseKeyEnv,
    serverUpstreamUrl: deps.config.server.upstream_url,
  });
  outcome.route ??= route;
  const way = adapter ? bridgeFor(adapter.name, { apiFormat: route.apiFormat, name: route.providerName }) : 'native';
  const bridge = way === 'native' ? undefined : way;
  if (!way) {
    throw new GatewayError(
      'not_supported',
      `model "${model}" is routed to provider "${route.providerName}", which speaks the ${route.apiFormat} format; ` +
        `translating ${adapter!.name} requests to it is not supported yet. Use the provider's own endpoint.`,
    );
  }
  const key = route.keyEnv ? deps.env[route.keyEnv] : '';
  if (route.keyEnv && !key) {
    throw new GatewayError(
      'config_error',
      `the provider key variable ${route.keyEnv} is not set in the gateway's environment; set it and restart the daemon, or change base_key_env in the token's policy`,
    );
  }

  const rules = ruleSetFor(resolved.rules);
  let payload: Buffer | string | undefined = request.raw;
  let addedUsage = false;
  let adapterBody: Json | undefined;
  if (adapter) {
    // A fallback starts again from the client's own body, so no earlier model's changes leak into it.
    const body = primaryBody ?? { ...(JSON.parse(request.raw!.toString('utf8')) as Json), model };
    adapterBody = body;
    let changed = body !== primaryBody;
    if (rules.hasInput) {
      const checked = applyRules(rules, 'input', (visit) => adapter.content.visitInput(body, visit));
      recordRuleMatches(deps.events, outcome, model, checked.matches, checked.blocked, 'input');
      if (checked.blocked) throw new GatewayError('forbidden', blockedMessage(checked.blocked, 'input'));
      changed ||= checked.masked;
    }
    if (resolved.prompts.length) {
      adapter.content.injectPrompts(body, resolved.prompts);
      changed = true;
    }
    outcome.stream ??= adapter.isStream(body) || undefined;
    if (bridge) {
      // Rules and prompts ran in the client's format; the provider gets the same request in its own.
      const translated = bridge.request(body);
      if ('unsupported' in translated) throw new GatewayError('not_supported', translated.unsupported);
      payload = JSON.stringify(translated.body);
    } else {
      addedUsage = adapter.isStream(body) && adapter.requestStreamUsage(body);
      if (changed || addedUsage) payload = JSON.stringify(body);
    }
  }

  let url: string;
  try {
    url = bridge
      ? buildUpstreamUrl(route, bridge.upstream.endpoint, bridge.upstreamPath, '', model, deps.env, key ?? '')
      : buildUpstreamUrl(route, adapter?.endpoint ?? 'other', request.path, request.query, model, deps.env, key ?? '');
  } catch (err) {
    if (err instanceof RouteError) throw new GatewayError('config_error', err.message);
    throw new GatewayError('config_error', `the upstream URL ${route.upstreamUrl} is not valid: ${(err as Error).message}`);
  }
  const headers = upstreamHeaders(request.req.headers, { ...upstreamAuthHeaders(route, key ?? ''), 'x-client-request-id': request.requestId });
  return {
    model,
    resolved,
    route,
    rules,
    body: adapterBody,
    url,
    logUrl: url.split('?', 1)[0]!,
    headers,
    method: request.req.method ?? 'GET',
    payload,
    addedUsage,
    bridge,
    timeoutMs: (resolved.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
  };
}
