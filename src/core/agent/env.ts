// The environment an agent or SDK needs to talk to the gateway: the wrapper token in the variable its provider's SDK
// reads for the key, the gateway's URL in the one it reads for the base URL, and the CA bundle variables when the
// gateway speaks TLS. One source for `run`, `init` and the tray's "copy env exports".
import type { ProviderCatalog, ProviderDef } from '../providers/catalog.js';

export type EnvPairs = Array<[name: string, value: string]>;

export interface AgentEnvInput {
  /** Provider name (catalog key), or `all` for every provider of the catalog. */
  readonly provider: string;
  readonly catalog: ProviderCatalog;
  /** The gateway's base URL without a path: `http://127.0.0.1:8080`. */
  readonly baseUrl: string;
  readonly token: string;
  /** Both set: exactly these two variables, whatever the provider. */
  readonly envKey?: string;
  readonly envBaseUrl?: string;
  /** The gateway's CA certificate (TLS on): NODE_EXTRA_CA_CERTS, which Node adds to its own roots. */
  readonly caFile?: string;
  /**
   * System roots plus the gateway's CA in one file, for the variables that replace the trust store instead of
   * adding to it (SSL_CERT_FILE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE); the CA alone when absent.
   */
  readonly caBundleFile?: string;
  /** Turn certificate checks off (only when asked). */
  readonly insecure?: boolean;
}

export interface ProviderEnvNames {
  /** The variable the provider's SDK reads its key from. */
  readonly keyVar: string;
  /** The variable it reads its base URL from. */
  readonly baseVar: string;
  /** OpenAI-style SDKs expect the API root (`…/v1`) in *_BASE_URL; Anthropic's, Gemini's and Azure's take the host. */
  readonly withV1: boolean;
}

/** The variable names of one provider (a provider not in the catalog gets the OpenAI ones). */
export function providerEnvNames(name: string, def: ProviderDef | undefined): ProviderEnvNames {
  if (!def) return { keyVar: 'OPENAI_API_KEY', baseVar: 'OPENAI_BASE_URL', withV1: true };
  const upper = name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  const keyVar = def.api_key_env || `${upper}_API_KEY`;
  const baseVar = def.base_url_env || `${upper}_BASE_URL`;
  return { keyVar, baseVar, withV1: def.api_format === 'openai' && baseVar.endsWith('_BASE_URL') };
}

/** The SDK variables of one provider: `<key var>=token`, `<base var>=url` (with `/v1` for OpenAI-style SDKs). */
function providerPairs(name: string, def: ProviderDef | undefined, baseUrl: string, token: string): EnvPairs {
  const { keyVar, baseVar, withV1 } = providerEnvNames(name, def);
  return [[keyVar, token], [baseVar, withV1 ? `${baseUrl}/v1` : baseUrl]];
}

/** A token as it may be shown: `tkn_…a1b2` (anything else keeps only its last four characters). */
export function maskToken(value: string): string {
  if (value.startsWith('tkn_')) return `tkn_…${value.slice(-4)}`;
  return value.length > 8 ? `…${value.slice(-4)}` : '…';
}

export function agentEnv(input: AgentEnvInput): EnvPairs {
  const baseUrl = input.baseUrl.replace(/\/+$/, '');
  let pairs: EnvPairs;
  if (input.envKey && input.envBaseUrl) {
    pairs = [[input.envKey, input.token], [input.envBaseUrl, baseUrl]];
  } else if (input.provider === 'all') {
    pairs = [];
    const seen = new Set<string>();
    for (const name of [...input.catalog.keys()].sort()) {
      for (const pair of providerPairs(name, input.catalog.get(name), baseUrl, input.token)) {
        if (!seen.has(pair[0])) {
          seen.add(pair[0]);
          pairs.push(pair);
        }
      }
    }
  } else {
    const name = input.provider.toLowerCase();
    pairs = providerPairs(name, input.catalog.get(name), baseUrl, input.token);
  }
  if (input.caFile) {
    const bundle = input.caBundleFile ?? input.caFile;
    pairs.push(['NODE_EXTRA_CA_CERTS', input.caFile], ['SSL_CERT_FILE', bundle], ['REQUESTS_CA_BUNDLE', bundle], ['CURL_CA_BUNDLE', bundle]);
  }
  if (input.insecure) pairs.push(['NODE_TLS_REJECT_UNAUTHORIZED', '0']);
  return pairs;
}

/** The provider for a command: `--provider` when given, else `cli_maps` by the command's base name, else the default. */
export function providerForCommand(command: string, options: { explicit?: string; cliMaps: Readonly<Record<string, string>>; defaultProvider: string }): string {
  if (options.explicit) return options.explicit;
  const base = command.split(/[\\/]/).pop()!.replace(/\.(exe|cmd|bat)$/i, '');
  return options.cliMaps[base] || options.defaultProvider || 'generic';
}
