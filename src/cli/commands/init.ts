// `tokenomics init [cli]`: the variables an agent or SDK needs to use the gateway, as shell exports, a .env file,
// JSON, or Claude Code's project settings. Prints or writes; starts nothing.
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { agentEnv, maskToken, providerForCommand, type EnvPairs } from '../../core/agent/env.js';
import type { LoadedConfig } from '../../daemon/config/load-config.js';
import { findDaemon } from '../../daemon/control/client.js';
import { readState } from '../../daemon/control/state-file.js';
import { writeFileAtomic } from '../../daemon/fs-safe.js';
import { caBundle } from '../../daemon/tls/ca-bundle.js';
import { certPaths } from '../../daemon/tls/certs.js';
import { CliError, EXIT_USAGE } from '../errors.js';
import { loadCommandConfig, printJson } from '../context.js';

export interface InitFlags {
  token?: string;
  proxyUrl?: string;
  provider?: string;
  envKey?: string;
  envBaseUrl?: string;
  insecure?: boolean;
  output?: string;
  dotenv?: string;
  agent?: string;
}

const OUTPUTS = ['shell', 'dotenv', 'json'] as const;
type Output = (typeof OUTPUTS)[number];
const AGENTS = ['claude-code'] as const;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CLAUDE_SETTINGS = join('.claude', 'settings.local.json');

/** A host to connect to for a bind address: the unspecified addresses mean this machine. */
function connectHost(bind: string): string {
  if (!bind || bind === '0.0.0.0') return '127.0.0.1';
  if (bind === '::' || bind === '[::]') return '[::1]';
  return bind.includes(':') && !bind.startsWith('[') ? `[${bind}]` : bind;
}

/** --proxy-url, $TOKENOMICS_PROXY_URL, the running daemon (HTTPS when it has it), else the configured HTTP listener. */
function baseUrl(opts: InitFlags, loaded: LoadedConfig): string {
  const given = opts.proxyUrl ?? process.env.TOKENOMICS_PROXY_URL;
  if (given) return given;
  const running = findDaemon(loaded.config.dir)?.state;
  const url = running?.https_url ?? running?.http_url;
  if (url) return url;
  const { server } = loaded.config;
  if (server.http_port === 0 && server.tls.enabled) return `https://${connectHost(server.bind)}:${server.https_port}`;
  return `http://${connectHost(server.bind)}:${server.http_port}`;
}

/** The gateway's CA: the one the daemon recorded, else the auto-generated one of this --dir once it exists. */
function caFile(loaded: LoadedConfig): string | undefined {
  const recorded = readState(loaded.config.dir)?.ca_file;
  if (recorded && existsSync(recorded)) return recorded;
  const { tls } = loaded.config.server;
  if (tls.cert_file) return undefined;
  const generated = certPaths(tls.cert_dir).caCert;
  return existsSync(generated) ? generated : undefined;
}

/** POSIX single quotes: nothing inside is special; a quote is closed, escaped and reopened. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function dotenvQuote(value: string): string {
  return `"${value.replace(/[\\"$]/g, (c) => `\\${c}`).replace(/\r?\n/g, '\\n')}"`;
}

function modeOf(path: string): number | undefined {
  try {
    return statSync(path).mode & 0o777;
  } catch {
    return undefined;
  }
}

/** Replaces the `KEY=` lines of the pairs (the first kept in place, later duplicates dropped), appends the others. */
export function updateDotenv(text: string, pairs: EnvPairs): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/);
  const values = new Map(pairs);
  const written = new Set<string>();
  const out: string[] = [];
  for (const line of lines) {
    const name = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1];
    if (name === undefined || !values.has(name)) {
      out.push(line);
    } else if (!written.has(name)) {
      out.push(`${name}=${dotenvQuote(values.get(name)!)}`);
      written.add(name);
    }
  }
  for (const [name, value] of values) if (!written.has(name)) out.push(`${name}=${dotenvQuote(value)}`);
  return `${out.join(eol)}${eol}`;
}

function writeDotenv(path: string, pairs: EnvPairs): void {
  const existing = existsSync(path) ? readFileSync(path, 'utf8') : '';
  // A new file holds the token: readable by the user only. An existing one keeps its mode.
  writeFileAtomic(path, updateDotenv(existing, pairs), modeOf(path) ?? 0o600);
  process.stderr.write(`Updated ${path}\n`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Merges the variables into Claude Code's project settings: every other key and `env` entry stays. */
function writeClaudeSettings(pairs: EnvPairs, token: string, base: string): void {
  const path = resolve(CLAUDE_SETTINGS);
  let settings: Record<string, unknown> = {};
  if (existsSync(path)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new CliError(`${path} is not valid JSON (${(err as Error).message}); it was left unchanged. Fix or move it aside, then run init again.`);
    }
    if (!isObject(parsed)) throw new CliError(`${path} does not hold a JSON object; it was left unchanged. Fix or move it aside, then run init again.`);
    if (parsed.env !== undefined && !isObject(parsed.env)) {
      throw new CliError(`"env" in ${path} is not a JSON object; it was left unchanged. Fix or move it aside, then run init again.`);
    }
    settings = parsed;
  }
  const env = { ...(settings.env as Record<string, unknown> | undefined), ...Object.fromEntries(pairs) };
  mkdirSync(resolve('.claude'), { recursive: true });
  writeFileAtomic(path, `${JSON.stringify({ ...settings, env }, null, 2)}\n`, modeOf(path) ?? 0o600);
  const lines = [
    `Wrote ${path}`,
    '',
    'Environment variables configured:',
    ...pairs.map(([name, value]) => `  ${name}=${value === token ? maskToken(value) : value}`),
    '',
    'Next:',
    `  1. Make sure the proxy answers at ${base}: 'tokenomics start' (check with 'tokenomics status').`,
    '  2. Run claude in this directory; it reads these variables from .claude/settings.local.json.',
    '  Keep .claude/settings.local.json out of version control: it holds the wrapper token.',
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
}

/**
 * The variables for [cli] (or the configured default provider) against this gateway: its URL, the wrapper token, and
 * the CA variables when the URL is HTTPS. Shared with the tray's "Copy env exports".
 */
export function gatewayEnv(loaded: LoadedConfig, cli: string, opts: InitFlags & { token: string }): { pairs: EnvPairs; base: string } {
  const { config } = loaded;
  const provider = providerForCommand(cli, {
    explicit: opts.provider,
    cliMaps: config.cli_maps,
    defaultProvider: config.default_provider,
  });
  if (provider !== 'all' && !opts.envKey && !loaded.catalog.has(provider.toLowerCase())) {
    process.stderr.write(`warning: provider "${provider}" is not in the catalog; using the OpenAI variables\n`);
  }
  const base = baseUrl(opts, loaded).replace(/\/+$/, '');
  const ca = base.startsWith('https://') ? caFile(loaded) : undefined;
  let bundle: string | undefined;
  try {
    bundle = ca && caBundle(ca);
  } catch {
    bundle = undefined; // an unwritable cert dir: the CA alone in every variable
  }
  const pairs = agentEnv({
    provider,
    catalog: loaded.catalog,
    baseUrl: base,
    token: opts.token,
    envKey: opts.envKey,
    envBaseUrl: opts.envBaseUrl,
    caFile: ca,
    caBundleFile: bundle,
    insecure: Boolean(opts.insecure),
  });
  return { pairs, base };
}

export function makeInitCommand(): Command {
  return new Command('init')
    .description('Print the environment variables an agent or SDK needs to use the gateway (starts nothing)')
    .argument('[cli]', 'the agent or tool the variables are for (its provider comes from cli_maps, e.g. claude -> anthropic)')
    .addOption(new Option('--token <token>', 'wrapper token (default $TOKENOMICS_KEY)'))
    .addOption(new Option('--proxy-url <url>', 'gateway URL (default $TOKENOMICS_PROXY_URL, else the running proxy of this --dir, else server.bind:server.http_port)'))
    .addOption(new Option('--provider <name>', "provider whose variables to print, or 'all' (default: cli_maps of [cli], else default_provider, else generic)"))
    .addOption(new Option('--env-key <name>', 'put the token in this variable (with --env-base-url: exactly these two)'))
    .addOption(new Option('--env-base-url <name>', 'put the gateway URL in this variable'))
    .addOption(new Option('--insecure', 'also turn TLS certificate checks off (NODE_TLS_REJECT_UNAUTHORIZED=0); only when asked'))
    .addOption(new Option('--output <format>', 'shell (export lines), dotenv (update a .env file) or json (default shell)'))
    .addOption(new Option('--dotenv <path>', 'the file --output dotenv updates (default .env; implies --output dotenv)'))
    .addOption(new Option('--agent <name>', "write the variables into an agent's own settings instead: claude-code (./.claude/settings.local.json)"))
    .addHelpText('after', `
Examples:
  eval "$(tokenomics init claude)"                 # ANTHROPIC_API_KEY + ANTHROPIC_BASE_URL in this shell
  tokenomics init --provider all --output dotenv   # every provider's variables into ./.env
  tokenomics init --agent claude-code              # Claude Code's .claude/settings.local.json (merged)

With an HTTPS gateway URL and the gateway's CA known, NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, REQUESTS_CA_BUNDLE and
CURL_CA_BUNDLE are included.`)
    .action((cli: string | undefined, opts: InitFlags, command: Command) => {
      const agent = opts.agent?.toLowerCase();
      if (agent !== undefined && !(AGENTS as readonly string[]).includes(agent)) {
        throw new CliError(`unknown agent: ${opts.agent} (supported: ${AGENTS.join(', ')})`, EXIT_USAGE);
      }
      const output = (opts.output ?? (opts.dotenv !== undefined ? 'dotenv' : 'shell')) as Output;
      if (!OUTPUTS.includes(output)) throw new CliError(`unknown output format: ${opts.output}`, EXIT_USAGE);
      if (Boolean(opts.envKey) !== Boolean(opts.envBaseUrl)) throw new CliError('--env-key and --env-base-url go together', EXIT_USAGE);
      for (const name of [opts.envKey, opts.envBaseUrl]) {
        if (name !== undefined && !VARIABLE_NAME.test(name)) throw new CliError(`not a variable name: ${name}`, EXIT_USAGE);
      }
      const token = opts.token ?? process.env.TOKENOMICS_KEY;
      if (!token) throw new CliError('no token provided: use --token flag or set $TOKENOMICS_KEY', EXIT_USAGE);

      const loaded = loadCommandConfig(command);
      // Claude Code without a [cli]: its variables, not the generic ones.
      const { pairs, base } = gatewayEnv(loaded, cli ?? (agent === 'claude-code' ? 'claude' : ''), { ...opts, token });

      if (agent === 'claude-code') return writeClaudeSettings(pairs, token, base);
      if (output === 'json') {
        printJson(Object.fromEntries([...new Map(pairs)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
      } else if (output === 'dotenv') {
        writeDotenv(opts.dotenv ?? '.env', pairs);
      } else {
        process.stdout.write(pairs.map(([name, value]) => `export ${name}=${shellQuote(value)}\n`).join(''));
      }
    });
}
