// `tokenomics status`: the proxy of this --dir, the keys, the provider variables of this shell and the token count,
// as a plain report or JSON. The data comes from gatherStatus; this module only formats it.
import { Command } from 'commander';
import { startInBackground } from '../../daemon/lifecycle/start.js';
import { DaemonStartError } from '../../daemon/lifecycle/spawn.js';
import { gatherStatus, type ProviderEnvStatus, type ProxyStatus, type StatusReport, type TokensStatus } from '../../daemon/lifecycle/status.js';
import { loadCommandConfig, printJson } from '../context.js';
import { renderPairs } from '../format/table.js';
import { backgroundStart } from './start.js';
import { loadTui } from '../interactive.js';

function proxyPairs(proxy: ProxyStatus): [string, string][] {
  switch (proxy.state) {
    case 'running': {
      const pairs: [string, string][] = [['Status', `running (PID ${proxy.pid})`]];
      if (proxy.http_url) pairs.push(['HTTP', proxy.http_url]);
      if (proxy.https_url) pairs.push(['HTTPS', proxy.https_url]);
      if (proxy.ca_file) pairs.push(['CA', proxy.ca_file]);
      pairs.push(['Started', proxy.started_at], ['Version', proxy.version]);
      return pairs;
    }
    case 'stopped':
      return [['Status', "stopped (start it with 'tokenomics start')"]];
    case 'stale':
      return [['Status', `stopped: stale ${proxy.state_file} (${proxy.reason}); 'tokenomics start' replaces it`]];
  }
}

const KEY_STATE: Record<ProviderEnvStatus['key'], string> = {
  direct_key: 'set (direct key)',
  proxy_token: 'proxy token',
  not_set: 'not set',
};

function providerLines(providers: readonly ProviderEnvStatus[]): string[] {
  if (!providers.length) return ['  Providers: none configured'];
  const lines: string[] = [];
  for (const p of providers) {
    lines.push(`  ${p.provider}`);
    lines.push(`    ${p.key_env.padEnd(28)} ${KEY_STATE[p.key]}`);
    lines.push(`    ${p.base_url_env.padEnd(28)} ${p.base_url ?? 'not set (will use provider default)'}`);
  }
  return lines;
}

function tokenLines(tokens: TokensStatus): string[] {
  if (tokens.state === 'error') return ['  (could not open database)', `  ${tokens.error}`];
  const line = `  ${tokens.count} token(s) in database`;
  return [tokens.source === 'no_database' ? `${line} (none created yet)` : line];
}

export function renderStatus(report: StatusReport): string {
  const proxy = proxyPairs(report.proxy);
  if (report.remote) proxy.push(['Remote', report.remote]);
  if (report.token) proxy.push(['Token', report.token]);
  const keys: [string, string][] = [['Backend', report.keys.description.replace(/^keys: /, '')]];
  if (report.keys.daemon && report.keys.daemon !== report.keys.description) keys.push(['Daemon', report.keys.daemon.replace(/^keys: /, '')]);
  if (report.keys.in_file) keys.push(['Warning', 'no OS keychain: the keys are in a plain 0600 file (back it up with the database)']);
  if (report.keys.problem) keys.push(['Problem', report.keys.problem]);
  const lines = [
    'Proxy',
    ...renderPairs(proxy),
    '',
    'Keys',
    ...renderPairs(keys),
    '',
    'Environment Variables',
    ...providerLines(report.providers),
    '',
    'Tokens',
    ...tokenLines(report.tokens),
  ];
  return `${lines.join('\n')}\n`;
}

export function makeStatusCommand(): Command {
  return new Command('status')
    .description('Show the proxy of this --dir, the keys, the provider variables of this shell and the token count')
    .option('--json', 'print the report as JSON')
    .option('--once', 'print the plain report even on a terminal (no live dashboard)')
    .addHelpText('after', `
On a terminal (and without --json or --once) this is a live dashboard: proxy, today's requests, tokens and USD, tables
per model and per token, budget gauges, recent requests. Keys: Tab/arrows or 1-4 switch views (overview, tokens,
sessions, live), ? help, q quit, s start the proxy when it is not running. NO_COLOR turns colours off.
Otherwise the plain report: read-only, it does not start anything, create keys or a database, or remove a stale
daemon.json. Provider variables are reported by name and state (set / proxy token / not set), never by value.`)
    .action(async (opts: { json?: boolean; once?: boolean }, command: Command) => {
      const loaded = loadCommandConfig(command);
      if (!opts.json && !opts.once && process.stdout.isTTY && process.stdin.isTTY) {
        const { daemonSource, runDashboard } = await loadTui();
        const source = daemonSource({
          dir: loaded.config.dir,
          gather: () => gatherStatus(loaded),
          start: async () => {
            try {
              await startInBackground(backgroundStart(command, loaded));
            } catch (err) {
              throw err instanceof DaemonStartError ? new Error(err.message.split('\n')[0]) : err;
            }
          },
        });
        return runDashboard(source);
      }
      const report = await gatherStatus(loaded);
      if (opts.json) printJson(report);
      else process.stdout.write(renderStatus(report));
    });
}
