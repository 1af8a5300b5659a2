// `tokenomics run [flags] -- <command> [args]`: run an agent or script with the gateway in front of it.
import { Command, Option } from 'commander';
import { maskToken, providerForCommand, type EnvPairs } from '../../core/agent/env.js';
import { runWrapped } from '../../daemon/lifecycle/run.js';
import { DaemonStartError } from '../../daemon/lifecycle/spawn.js';
import { CliError, EXIT_USAGE } from '../errors.js';
import { globalArgs, loadCommandConfig } from '../context.js';
import { CLI_PATH } from './start.js';

interface RunFlags {
  token?: string;
  provider?: string;
  proxyUrl?: string;
  tls?: boolean;
  insecure?: boolean;
  envKey?: string;
  envBaseUrl?: string;
  printEnv?: boolean;
  admin?: boolean;
}

function printEnv(pairs: EnvPairs, token: string): void {
  const lines = pairs.map(([name, value]) => `  ${name}=${value === token ? maskToken(value) : value}`);
  process.stderr.write(`tokenomics run - injected environment:\n${lines.join('\n')}\n`);
}

export function makeRunCommand(): Command {
  return new Command('run')
    .description('Run a command (an agent, a script) with the gateway: the wrapper token and proxy URL in its environment')
    .argument('<command>', 'the program to run')
    .argument('[args...]', 'its arguments (put them after -- when they start with -)')
    .addOption(new Option('--token <token>', 'wrapper token to hand the command (default $TOKENOMICS_KEY)'))
    .addOption(new Option('--provider <name>', 'provider whose variables to set (default: cli_maps by command name, else default_provider)'))
    .addOption(new Option('--proxy-url <url>', 'use this proxy instead of the one of --dir (default $TOKENOMICS_PROXY_URL)'))
    .addOption(new Option('--tls', 'talk to the proxy over HTTPS (sets NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE)'))
    .addOption(new Option('--insecure', 'turn TLS certificate checks off in the command (NODE_TLS_REJECT_UNAUTHORIZED=0); only when asked'))
    .addOption(new Option('--env-key <name>', 'put the token in this variable (with --env-base-url: exactly these two)'))
    .addOption(new Option('--env-base-url <name>', 'put the proxy URL in this variable'))
    .addOption(new Option('--print-env', 'print the variables set for the command on stderr (the token masked)'))
    .addOption(new Option('--admin', 'enable the admin page on an ephemeral proxy (only when admin.enabled is true in the config)'))
    // The command's own flags (`claude -p …`) are not ours: they pass through as its arguments. Flags of run that the
    // command also has must follow `--` to reach the command (`tokenomics run -- tool --print-env`).
    .allowUnknownOption()
    .addHelpText('after', `
Examples:
  tokenomics run claude -p "explain this repo"        # Claude Code: ANTHROPIC_API_KEY + ANTHROPIC_BASE_URL
  tokenomics run -- python agent.py --verbose          # OpenAI SDKs: OPENAI_API_KEY + OPENAI_BASE_URL (…/v1)
  tokenomics run --provider groq node script.mjs       # the provider's own variables from providers.yaml

Flags for run go before the command; the command's own flags pass through, except ones run also has: put the
command after -- in that case.
The proxy of this --dir is reused when it runs; otherwise an ephemeral one starts on a free port and stops (writing
its ledger) when the command ends. Signals are passed to the command; the exit code is the command's.`)
    .action(async (command: string, args: string[], opts: RunFlags, cmd: Command) => {
      const loaded = loadCommandConfig(cmd);
      const { config } = loaded;
      const token = opts.token ?? process.env.TOKENOMICS_KEY;
      if (!token) throw new CliError('no token provided: use --token flag or set $TOKENOMICS_KEY (create one with: tokenomics token create)', EXIT_USAGE);
      if (Boolean(opts.envKey) !== Boolean(opts.envBaseUrl)) throw new CliError('--env-key and --env-base-url go together', EXIT_USAGE);
      const provider = providerForCommand(command, { explicit: opts.provider, cliMaps: config.cli_maps, defaultProvider: config.default_provider });
      const daemonEnv: NodeJS.ProcessEnv = { ...process.env, TOKENOMICS_ADMIN_ENABLED: String(Boolean(opts.admin) && config.admin.enabled) };
      try {
        process.exitCode = await runWrapped({
          cli: CLI_PATH,
          globalArgs: globalArgs(cmd),
          dir: config.dir,
          bind: config.server.bind,
          command,
          args,
          token,
          provider,
          catalog: loaded.catalog,
          proxyUrl: opts.proxyUrl ?? process.env.TOKENOMICS_PROXY_URL,
          tls: Boolean(opts.tls),
          insecure: Boolean(opts.insecure),
          envKey: opts.envKey,
          envBaseUrl: opts.envBaseUrl,
          daemonEnv,
          printEnv: opts.printEnv ? (pairs) => printEnv(pairs, token) : undefined,
        });
      } catch (err) {
        if (err instanceof DaemonStartError) throw new CliError(`tokenomics run: ${err.message}`, 1);
        throw err;
      }
    });
}
