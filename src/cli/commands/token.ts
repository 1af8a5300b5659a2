// `tokenomics token create|get|update|delete|list`: manage wrapper tokens and their policies.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { parsePolicy, type ParsedPolicy } from '../../core/policy/parse.js';
import { parseExpiry } from '../../core/tokens/expiry.js';
import { isExpired, TokenNotFoundError, type TokenRecord } from '../../daemon/store/token-store.js';
import { CliError, EXIT_USAGE } from '../errors.js';
import { loadCommandConfig, printJson, withTokens } from '../context.js';

/** The JSON shape of one token in `get`, `update` and `list` output. */
export interface TokenJson {
  hash: string;
  created_at: string;
  expires_at: string | null;
  expired: boolean;
  /** `remote`: synced from the central config server (remote.url), which owns it; `local`: made here. */
  origin: 'local' | 'remote';
  policy: unknown;
}

function tokenJson(record: TokenRecord): TokenJson {
  return {
    hash: record.hash,
    created_at: record.createdAt,
    expires_at: record.expiresAt ?? null,
    expired: isExpired(record),
    origin: record.origin ?? 'local',
    policy: JSON.parse(record.policyRaw) as unknown,
  };
}

/** `--policy` takes JSON text, `@file.json`, or `@-` for standard input. */
function readPolicy(value: string): ParsedPolicy {
  let text = value;
  if (value.startsWith('@')) {
    const path = value.slice(1);
    try {
      text = readFileSync(path === '-' ? 0 : path, 'utf8');
    } catch (err) {
      throw new CliError(`cannot read policy file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT_USAGE);
    }
  }
  return parsePolicy(text);
}

function expiryLine(record: TokenRecord): string {
  if (!record.expiresAt) return 'never';
  return `${record.expiresAt} (${isExpired(record) ? 'EXPIRED' : 'active'})`;
}

function printToken(record: TokenRecord): void {
  const lines = [
    `Hash:       ${record.hash}`,
    `Created:    ${record.createdAt}`,
    `Expires:    ${expiryLine(record)}`,
    ...(record.origin ? ['Origin:     remote (synced from the central config server)'] : []),
    'Policy:',
    JSON.stringify(JSON.parse(record.policyRaw), null, 2),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function printListEntry(record: TokenRecord): void {
  const p = record.policy;
  const lines = [`Hash:       ${record.hash}`, `Created:    ${record.createdAt}`];
  if (record.expiresAt) lines.push(`Expires:    ${expiryLine(record)}`);
  if (record.origin) lines.push('Origin:     remote');
  lines.push(`Key Env:    ${p.base_key_env ?? ''}`);
  if (p.upstream_url) lines.push(`Upstream:   ${p.upstream_url}`);
  if (p.model) lines.push(`Model:      ${p.model}`);
  if (p.model_regex) lines.push(`Model Regex: ${p.model_regex}`);
  if (p.max_tokens) lines.push(`Max Tokens: ${p.max_tokens}`);
  if (p.providers) lines.push(`Providers:  ${Object.keys(p.providers).join(', ')}`);
  if (p.budgets?.length) lines.push(`Budgets:    ${p.budgets.length}`);
  lines.push(`Prompts:    ${p.prompts?.length ?? 0}`, `Rules:      ${p.rules?.length ?? 0}`, '---');
  process.stdout.write(`${lines.join('\n')}\n`);
}

function expiryDate(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const expiry = parseExpiry(value);
  if (expiry.kind === 'clear') throw new CliError("'clear' only applies to token update", EXIT_USAGE);
  return expiry.at;
}

export function makeTokenCommand(): Command {
  const token = new Command('token').description('Create, inspect, update, delete and list wrapper tokens');

  token
    .command('create')
    .description('Create a wrapper token; the raw token is shown once')
    .requiredOption('--policy <json>', 'policy JSON, @file.json, or @- to read standard input')
    .option('--expires <value>', 'expiry: a duration (24h, 7d, 30d, 1y) or an RFC3339 time; omit for none')
    .option('--json', 'print {"token","hash","expires_at"} as JSON')
    .action(async (opts: { policy: string; expires?: string; json?: boolean }, command: Command) => {
      const policy = readPolicy(opts.policy);
      const expiresAt = expiryDate(opts.expires);
      const loaded = loadCommandConfig(command);
      await withTokens(loaded, async (store) => {
        const { token: raw, record } = await store.createToken(policy, expiresAt);
        if (opts.json) {
          printJson({ token: raw, hash: record.hash, expires_at: record.expiresAt ?? null });
          return;
        }
        const lines = [
          'Token created successfully.',
          'WARNING: This token will only be shown once. Store it securely.',
          '',
          `  Token:   ${raw}`,
          `  Hash:    ${record.hash}`,
          ...(record.expiresAt ? [`  Expires: ${record.expiresAt}`] : []),
          '',
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      });
    });

  token
    .command('get')
    .description('Show one token: hash, times and policy')
    .requiredOption('--hash <hash>', 'token hash (64 hex characters, or a unique prefix of at least 8)')
    .option('--json', 'print the token as JSON')
    .action(async (opts: { hash: string; json?: boolean }, command: Command) => {
      await withTokens(loadCommandConfig(command), async (store) => {
        let record: TokenRecord | undefined;
        try {
          record = await store.get(await store.resolveHash(opts.hash));
        } catch (err) {
          if (!(err instanceof TokenNotFoundError)) throw err;
        }
        if (!record) throw new CliError('Token not found.');
        if (opts.json) printJson(tokenJson(record));
        else printToken(record);
      });
    });

  token
    .command('update')
    .description('Replace a token\'s policy and/or change its expiry')
    .requiredOption('--hash <hash>', 'token hash (64 hex characters, or a unique prefix of at least 8)')
    .option('--policy <json>', 'new policy (replaces the whole policy): JSON, @file.json or @-')
    .option('--expires <value>', "new expiry: a duration, an RFC3339 time, or 'clear' to remove it")
    .option('--json', 'print the updated token as JSON')
    .action(async (opts: { hash: string; policy?: string; expires?: string; json?: boolean }, command: Command) => {
      if (opts.policy === undefined && opts.expires === undefined) {
        throw new CliError('must provide --policy and/or --expires', EXIT_USAGE);
      }
      const policy = opts.policy === undefined ? undefined : readPolicy(opts.policy);
      const expiry = opts.expires === undefined ? undefined : parseExpiry(opts.expires);
      await withTokens(loadCommandConfig(command), async (store) => {
        const hash = await store.resolveHash(opts.hash);
        const record = await store.update(hash, {
          policy,
          expiresAt: expiry === undefined ? undefined : expiry.kind === 'clear' ? null : expiry.at,
        });
        if (opts.json) printJson(tokenJson(record));
        else process.stdout.write('Token updated.\n');
      });
    });

  token
    .command('delete')
    .description('Delete a token; clients using it get 401 from then on')
    .requiredOption('--hash <hash>', 'token hash (64 hex characters, or a unique prefix of at least 8)')
    .option('--json', 'print {"deleted": hash} as JSON')
    .action(async (opts: { hash: string; json?: boolean }, command: Command) => {
      await withTokens(loadCommandConfig(command), async (store) => {
        let hash: string;
        try {
          hash = await store.resolveHash(opts.hash);
          await store.delete(hash);
        } catch (err) {
          if (err instanceof TokenNotFoundError) throw new CliError('delete token: token not found');
          throw err;
        }
        if (opts.json) printJson({ deleted: hash });
        else process.stdout.write('Token deleted.\n');
      });
    });

  token
    .command('list')
    .description('List all tokens and a summary of their policies')
    .option('--json', 'print the tokens as a JSON array')
    .action(async (opts: { json?: boolean }, command: Command) => {
      await withTokens(loadCommandConfig(command), async (store) => {
        const { tokens, problems } = await store.list();
        for (const problem of problems) process.stderr.write(`warning: skipped ${problem}\n`);
        if (opts.json) printJson(tokens.map(tokenJson));
        else if (!tokens.length) process.stdout.write('No tokens found.\n');
        else tokens.forEach(printListEntry);
      });
    });

  return token;
}
