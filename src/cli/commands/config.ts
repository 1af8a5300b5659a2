// `tokenomics config show`: the effective configuration, where each value came from, secrets masked.
import { Command } from 'commander';
import { FIELDS, envVarFor } from '../../core/config/fields.js';
import { describeSource, valueAt, type Source } from '../../core/config/resolve.js';
import type { LoadedConfig } from '../../daemon/config/load-config.js';
import { loadCommandConfig, printJson } from '../context.js';

const MASK = '****';
/** Key names that hold secrets: the secret fields' own names, plus those inside webhook entries. */
const SECRET_KEYS = new Set([...FIELDS.filter((f) => f.secret).map((f) => f.path.split('.').pop()!), 'secret', 'signing_key']);

/** One row of `config show`: a field (or one entry of a map or list field). */
export interface ConfigRow {
  field: string;
  value: unknown;
  source: string;
  env: string;
}

function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEYS.has(k) && v ? MASK : maskSecrets(v)]));
}

export function configRows(loaded: LoadedConfig): ConfigRow[] {
  const rows: ConfigRow[] = [];
  const sourceOf = (path: string, fallback?: string): string =>
    describeSource(loaded.sources.get(path) ?? loaded.sources.get(fallback ?? path) ?? ({ kind: 'default' } as Source));
  for (const field of FIELDS) {
    const value = valueAt(loaded.config, field.path);
    const env = envVarFor(field.path);
    if (field.kind === 'string-map' || field.kind === 'pricing' || field.kind === 'providers') {
      const entries = Object.entries(value as Record<string, unknown>);
      if (!entries.length) rows.push({ field: field.path, value: {}, source: sourceOf(field.path), env });
      for (const [key, entry] of entries) {
        rows.push({ field: `${field.path}.${key}`, value: maskSecrets(entry), source: sourceOf(`${field.path}.${key}`, field.path), env });
      }
    } else {
      rows.push({ field: field.path, value: field.secret && value ? MASK : maskSecrets(value), source: sourceOf(field.path), env });
    }
  }
  return rows;
}

function printable(value: unknown): string {
  if (typeof value === 'string') return value === '' ? '""' : value;
  return JSON.stringify(value);
}

export function makeConfigCommand(): Command {
  const config = new Command('config').description('Inspect the effective configuration');
  config
    .command('show')
    .description('Show every setting, its effective value and where it came from (default, file, $ENV, --flag)')
    .option('--json', 'print {file, env_files, config, sources} as JSON')
    .action((opts: { json?: boolean }, command: Command) => {
      const loaded = loadCommandConfig(command);
      const rows = configRows(loaded);
      if (opts.json) {
        printJson({
          file: loaded.file ?? null,
          env_files: loaded.envFiles,
          config: maskSecrets(loaded.config),
          sources: Object.fromEntries(rows.map((r) => [r.field, r.source])),
        });
        return;
      }
      const width = Math.max(...rows.map((r) => r.field.length));
      const valueWidth = Math.min(48, Math.max(...rows.map((r) => printable(r.value).length)));
      const out = [
        `config file: ${loaded.file ?? '(none found; using defaults)'}`,
        `.env files:  ${loaded.envFiles.length ? loaded.envFiles.join(', ') : '(none)'}`,
        '',
        `${'FIELD'.padEnd(width)}  ${'VALUE'.padEnd(valueWidth)}  SOURCE`,
        ...rows.map((r) => `${r.field.padEnd(width)}  ${printable(r.value).padEnd(valueWidth)}  ${r.source}`),
      ];
      process.stdout.write(`${out.join('\n')}\n`);
    });
  return config;
}
