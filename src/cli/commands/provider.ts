// `tokenomics provider list|test|models`: the provider catalog (embedded providers.yaml, {dir}/providers.yaml,
// config `providers:`), whether each provider answers, and the models it lists. Key values are never printed.
import { Command, Option } from 'commander';
import type { ProviderDef } from '../../core/providers/catalog.js';
import type { ProbeResult } from '../../daemon/providers/connectivity.js';
import { CliError } from '../errors.js';
import { loadCommandConfig, printJson } from '../context.js';
import { renderTable, RULE, truncate } from '../format/table.js';

/** The JSON shape of one provider in `provider list --json`. */
export interface ProviderJson {
  name: string;
  upstream_url: string;
  auth_scheme: string;
  api_key_env: string;
  key_set: boolean;
  base_url_env: string;
  api_format: string;
  chat_path?: string;
  model_count: number;
}

function keySet(def: ProviderDef, env: NodeJS.ProcessEnv): boolean {
  return Boolean(def.api_key_env && env[def.api_key_env]);
}

function providerJson(name: string, def: ProviderDef, env: NodeJS.ProcessEnv): ProviderJson {
  return {
    name,
    upstream_url: def.upstream_url,
    auth_scheme: def.auth_scheme,
    api_key_env: def.api_key_env,
    key_set: keySet(def, env),
    base_url_env: def.base_url_env,
    api_format: def.api_format,
    ...(def.chat_path ? { chat_path: def.chat_path } : {}),
    model_count: def.models.length,
  };
}

function listTable(providers: readonly ProviderJson[]): string[] {
  const rows = providers.map((p) => [
    p.name,
    truncate(p.upstream_url, 40),
    p.auth_scheme,
    p.api_key_env,
    p.api_key_env ? (p.key_set ? 'yes' : 'no') : 'n/a',
    String(p.model_count),
  ]);
  const columns = [
    { header: 'NAME' }, { header: 'UPSTREAM' }, { header: 'AUTH' }, { header: 'API KEY ENV' }, { header: 'KEY?' },
    { header: 'MODELS', align: 'right' as const },
  ];
  return renderTable(columns, [RULE, ...rows]);
}

function probeLine(result: ProbeResult): string {
  if (result.status === 'unknown') return `${result.name.padEnd(16)}  UNKNOWN (${result.detail})`;
  return `${result.name.padEnd(16)}  ${result.status.toUpperCase().padEnd(4)}  ${result.detail}`;
}

function findProvider(catalog: ReadonlyMap<string, ProviderDef>, name: string): ProviderDef {
  const def = catalog.get(name.toLowerCase());
  if (!def) throw new CliError(`provider "${name}" not found in config; 'tokenomics provider list' shows the configured ones`);
  return def;
}

export function makeProviderCommand(): Command {
  const provider = new Command('provider').description('List the configured providers, test that they answer, show their models');

  provider
    .command('list')
    .description('List providers: upstream, auth scheme, key variable (and whether it is set), model count')
    .addOption(new Option('--output <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--json', 'same as --output json')
    .addHelpText('after', `
Providers come from the built-in catalog, then {dir}/providers.yaml, then the config's providers: map.
KEY? says whether the provider's api_key_env is set in this environment (n/a: the provider needs no key).`)
    .action((opts: { output: 'table' | 'json'; json?: boolean }, command: Command) => {
      const { catalog } = loadCommandConfig(command);
      const providers = [...catalog.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, def]) => providerJson(name, def, process.env));
      if (opts.json || opts.output === 'json') printJson(providers);
      else process.stdout.write(`${listTable(providers).join('\n')}\n`);
    });

  provider
    .command('test')
    .description('Check that providers answer: GET on their model list with their key, 10 s timeout')
    .argument('[names...]', 'providers to test (default: all)')
    .option('--insecure', 'do not verify the providers\' TLS certificates')
    .option('--json', 'print the results as a JSON array')
    .addHelpText('after', `
Results: OK (answered, with the time it took), AUTH (answered 401/403: the key is missing or wrong),
FAIL (unreachable, 404, 5xx, or a {placeholder} in upstream_url whose variable is not set), UNKNOWN (no such provider).
Exit code 1 when any provider is not OK.`)
    .action(async (names: string[], opts: { insecure?: boolean; json?: boolean }, command: Command) => {
      const { catalog } = loadCommandConfig(command);
      const print = opts.json ? undefined : (result: ProbeResult) => process.stdout.write(`${probeLine(result)}\n`);
      const { testProviders } = await import('../../daemon/providers/connectivity.js'); // undici: loaded only to test
      const results = await testProviders(catalog, names, { env: process.env, insecure: opts.insecure }, print);
      if (opts.json) printJson(results);
      if (results.some((r) => r.status !== 'ok')) throw new CliError('one or more providers failed connectivity test');
    });

  provider
    .command('models')
    .description('Show the models each provider lists in the catalog (informational; policies decide what is allowed)')
    .argument('[name]', 'one provider (default: all)')
    .option('--json', 'print [{"name","models"}] as JSON')
    .action((name: string | undefined, opts: { json?: boolean }, command: Command) => {
      const { catalog } = loadCommandConfig(command);
      const entries: Array<[string, ProviderDef]> = name
        ? [[name.toLowerCase(), findProvider(catalog, name)]]
        : [...catalog.entries()].sort(([a], [b]) => a.localeCompare(b));
      if (opts.json) {
        printJson(entries.map(([n, def]) => ({ name: n, models: def.models })));
        return;
      }
      const lines: string[] = [];
      if (name) {
        const [[n, def]] = entries as [[string, ProviderDef]];
        if (def.models.length) lines.push(...def.models);
        else lines.push(`${n}: no models configured`);
      } else {
        for (const [n, def] of entries) {
          if (def.models.length) lines.push(`${n}:`, ...def.models.map((m) => `  ${m}`));
          else lines.push(`${n}: (none)`);
        }
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  return provider;
}
