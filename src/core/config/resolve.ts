// Layers defaults < config file < environment < flags into one Config, remembering where each value came from.
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import { describeValue } from '../validation.js';
import { coerceField, ValueProblem, webhookSchema } from './coerce.js';
import { envVarFor, FIELD_BY_PATH, FIELDS, type FieldDef } from './fields.js';
import type { Config } from './types.js';

export type Source =
  | { readonly kind: 'default' }
  | { readonly kind: 'file'; readonly file: string }
  | { readonly kind: 'env'; readonly name: string }
  | { readonly kind: 'flag'; readonly name: string };

export function describeSource(source: Source): string {
  switch (source.kind) {
    case 'default': return 'default';
    case 'file': return source.file;
    case 'env': return `$${source.name}`;
    case 'flag': return source.name;
  }
}

/** A configuration problem: where it came from (file, $VAR or --flag), which field, and what is wrong. */
export class ConfigError extends Error {
  constructor(readonly origin: string, readonly field: string, readonly problem: string) {
    super(field ? `${origin}: ${field}: ${problem}` : `${origin}: ${problem}`);
    this.name = 'ConfigError';
  }
}

export interface FlagValue {
  readonly path: string;
  /** The flag as typed, e.g. `--db`. */
  readonly flag: string;
  readonly value: unknown;
}

export interface ConfigInputs {
  readonly file?: { readonly path: string; readonly data: unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly flags?: readonly FlagValue[];
  readonly home: string;
  readonly cwd: string;
}

export interface ResolvedConfig {
  readonly config: Config;
  /** Keyed by field path; map entries as `cli_maps.claude`, `pricing.gpt-4o`. */
  readonly sources: ReadonlyMap<string, Source>;
  readonly file?: string;
}

const MAP_KINDS = new Set(['string-map', 'pricing', 'providers']);

class Layers {
  readonly values = new Map<string, unknown>();
  readonly sources = new Map<string, Source>();

  set(field: FieldDef, value: unknown, source: Source): void {
    if (MAP_KINDS.has(field.kind)) {
      const merged = { ...(this.values.get(field.path) as Record<string, unknown> | undefined) };
      for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
        merged[key] = entry;
        this.sources.set(`${field.path}.${key}`, source);
      }
      this.values.set(field.path, merged);
    } else {
      this.values.set(field.path, value);
    }
    this.sources.set(field.path, source);
  }
}

function coerceOrThrow(field: FieldDef, raw: unknown, origin: string, label = field.path): unknown {
  try {
    return coerceField(field, raw);
  } catch (err) {
    if (err instanceof ValueProblem) throw new ConfigError(origin, label, err.message);
    throw err;
  }
}

function closest(name: string, candidates: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const cur = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = cur;
      }
    }
    return row[b.length]!;
  };
  let best: string | undefined;
  let bestScore = 3;
  for (const c of candidates) {
    const d = distance(name, c);
    if (d < bestScore) [best, bestScore] = [c, d];
  }
  return best;
}

function applyFile(layers: Layers, data: unknown, file: string): void {
  if (data === null || data === undefined) return;
  const source: Source = { kind: 'file', file };
  const walk = (node: unknown, prefix: string): void => {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) {
      throw new ConfigError(file, prefix, `expected a section of fields, got ${describeValue(node)}`);
    }
    for (const [key, value] of Object.entries(node)) {
      const path = prefix ? `${prefix}.${key}` : key;
      const field = FIELD_BY_PATH.get(path);
      if (field) {
        if (value !== null && value !== undefined) layers.set(field, coerceOrThrow(field, value, file), source);
        continue;
      }
      const isGroup = FIELDS.some((f) => f.path.startsWith(`${path}.`));
      if (isGroup) {
        if (value !== null && value !== undefined) walk(value, path);
        continue;
      }
      const siblings = [...new Set(FIELDS.filter((f) => f.path.startsWith(prefix ? `${prefix}.` : ''))
        .map((f) => f.path.slice(prefix ? prefix.length + 1 : 0).split('.')[0]!))];
      const hint = closest(key, siblings);
      throw new ConfigError(file, path, `unknown field${hint ? ` (did you mean ${prefix ? `${prefix}.` : ''}${hint}?)` : ''}`);
    }
  };
  walk(data, '');
}

function applyEnv(layers: Layers, env: ConfigInputs['env']): void {
  for (const field of FIELDS) {
    const name = envVarFor(field.path);
    const raw = env[name];
    if (raw !== undefined && (raw !== '' || field.kind === 'string' || field.kind === 'path')) {
      layers.set(field, coerceOrThrow(field, raw, `$${name}`, ''), { kind: 'env', name });
    }
    if (field.kind === 'string-map') applyEnvMapEntries(layers, field, name, env);
    if (field.kind === 'webhooks') applyEnvWebhookEntries(layers, field, name, env);
  }
}

/** `TOKENOMICS_CLI_MAPS_CLAUDE=anthropic` sets one entry. */
function applyEnvMapEntries(layers: Layers, field: FieldDef, base: string, env: ConfigInputs['env']): void {
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !name.startsWith(`${base}_`)) continue;
    const key = name.slice(base.length + 1).toLowerCase();
    if (key) layers.set(field, { [key]: value }, { kind: 'env', name });
  }
}

const WEBHOOK_ENV = /^(\d+)_(URL|SECRET|SIGNING_KEY|EVENTS|TIMEOUT|INSECURE)$/;

/** `TOKENOMICS_EVENTS_WEBHOOKS_0_URL=…` sets one field of webhook 0 (creating it when needed). */
function applyEnvWebhookEntries(layers: Layers, field: FieldDef, base: string, env: ConfigInputs['env']): void {
  const list = [...(layers.values.get(field.path) as Record<string, unknown>[])];
  const touched: string[] = [];
  for (const [name, value] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    if (value === undefined || !name.startsWith(`${base}_`)) continue;
    const m = WEBHOOK_ENV.exec(name.slice(base.length + 1));
    if (!m) throw new ConfigError(`$${name}`, '', `unknown webhook variable; use ${base}_<N>_URL, _SECRET, _SIGNING_KEY, _EVENTS, _TIMEOUT or _INSECURE`);
    const index = Number(m[1]);
    if (index > list.length) throw new ConfigError(`$${name}`, '', `webhook index ${index} skips ${list.length}; number webhooks from 0 without gaps`);
    const entry: Record<string, unknown> = { ...(list[index] ?? {}) };
    const key = m[2]!.toLowerCase();
    if (key === 'events') entry.events = value.trim().startsWith('[') ? safeJson(value, name) : value.split(',').map((s) => s.trim()).filter(Boolean);
    else if (key === 'timeout') entry.timeout = Number(value);
    else if (key === 'insecure') entry.insecure = coerceOrThrow({ ...field, kind: 'bool' }, value, `$${name}`, '');
    else entry[key] = value;
    list[index] = entry;
    touched.push(name);
  }
  if (!touched.length) return;
  const checked = list.map((entry, i) => {
    const result = webhookSchema.safeParse(entry);
    if (!result.success) throw new ConfigError(`$${touched.join(', $')}`, `events.webhooks[${i}]`, result.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; '));
    return result.data;
  });
  layers.set(field, checked, { kind: 'env', name: touched.join(', ') });
}

function safeJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ConfigError(`$${name}`, '', 'expected a JSON list or comma-separated names');
  }
}

function applyFlags(layers: Layers, flags: readonly FlagValue[]): void {
  for (const flag of flags) {
    const field = FIELD_BY_PATH.get(flag.path);
    if (!field) throw new Error(`flag ${flag.flag} maps to unknown field ${flag.path}`);
    if (flag.value === undefined) continue;
    layers.set(field, coerceOrThrow(field, flag.value, flag.flag, ''), { kind: 'flag', name: flag.flag });
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
  node[parts[parts.length - 1]!] = value;
}

function expandHome(path: string, home: string): string {
  return path === '~' ? home : path.startsWith('~/') ? join(home, path.slice(2)) : path;
}

/** Relative paths in the file or environment live under {dir}; flags were made absolute by the CLI. */
function derivePaths(config: Config, inputs: ConfigInputs): void {
  const dir = resolvePath(inputs.cwd, expandHome(config.dir || '~/.tokenomics', inputs.home));
  config.dir = dir;
  const underDir = (value: string, fallback: string): string => {
    const path = expandHome(value || fallback, inputs.home);
    return isAbsolute(path) ? path : join(dir, path);
  };
  config.storage.db_path = underDir(config.storage.db_path, 'tokenomics.db');
  config.server.tls.cert_dir = underDir(config.server.tls.cert_dir, 'certs');
  if (config.server.tls.cert_file) config.server.tls.cert_file = underDir(config.server.tls.cert_file, '');
  if (config.server.tls.key_file) config.server.tls.key_file = underDir(config.server.tls.key_file, '');
  config.logging.file.path = underDir(config.logging.file.path, 'tokenomics.log');
  config.logging.proxy_log_file = underDir(config.logging.proxy_log_file, 'proxy.log');
}

function checkCombinations(config: Config, sources: ReadonlyMap<string, Source>): void {
  const origin = (path: string) => describeSource(sources.get(path) ?? { kind: 'default' });
  const tls = config.server.tls;
  if (Boolean(tls.cert_file) !== Boolean(tls.key_file)) {
    const missing = tls.cert_file ? 'server.tls.key_file' : 'server.tls.cert_file';
    const given = tls.cert_file ? 'server.tls.cert_file' : 'server.tls.key_file';
    throw new ConfigError(origin(given), missing, `is required when ${given} is set`);
  }
  if (config.remote.webhook.auto_register && !config.remote.webhook.callback_url) {
    throw new ConfigError(origin('remote.webhook.auto_register'), 'remote.webhook.callback_url', 'is required when auto_register is true');
  }
  if (!config.remote.webhook.path.startsWith('/')) {
    throw new ConfigError(origin('remote.webhook.path'), 'remote.webhook.path', 'must start with /');
  }
  const auth = config.admin.auth;
  if (Boolean(auth.username) !== Boolean(auth.password)) {
    const missing = auth.username ? 'admin.auth.password' : 'admin.auth.username';
    throw new ConfigError(origin(auth.username ? 'admin.auth.username' : 'admin.auth.password'), missing, 'basic auth needs both a username and a password');
  }
}

export function resolveConfig(inputs: ConfigInputs): ResolvedConfig {
  const layers = new Layers();
  for (const field of FIELDS) layers.set(field, structuredClone(field.default), { kind: 'default' });
  if (inputs.file) applyFile(layers, inputs.file.data, inputs.file.path);
  applyEnv(layers, inputs.env);
  applyFlags(layers, inputs.flags ?? []);

  const config = {} as Record<string, unknown>;
  for (const field of FIELDS) setPath(config, field.path, layers.values.get(field.path));
  const typed = config as unknown as Config;
  derivePaths(typed, inputs);
  checkCombinations(typed, layers.sources);
  return { config: typed, sources: layers.sources, file: inputs.file?.path };
}

/** The value at a field path of a Config (for `config show`). */
export function valueAt(config: Config, path: string): unknown {
  return path.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], config);
}
