// Finds and reads the config file and .env files, then resolves the configuration and the provider catalog.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { ConfigError, resolveConfig, type FlagValue, type ResolvedConfig } from '../../core/config/resolve.js';
import {
  CatalogError, embeddedCatalog, mergeCatalogs, parseProviderMap, parseProvidersYaml, type ProviderCatalog,
} from '../../core/providers/catalog.js';

export interface LoadOptions {
  /** `--config`: a file that must exist. */
  readonly configPath?: string;
  readonly flags?: readonly FlagValue[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly home?: string;
}

export interface LoadedConfig extends ResolvedConfig {
  readonly catalog: ProviderCatalog;
  /** .env files that filled variables, in the order they were read. */
  readonly envFiles: readonly string[];
}

/** Fills variables that are not set yet from a .env file; returns whether the file existed. */
function loadEnvFile(path: string, env: NodeJS.ProcessEnv): boolean {
  if (!existsSync(path)) return false;
  let parsed: Record<string, string>;
  try {
    parsed = parseEnv(readFileSync(path, 'utf8')) as Record<string, string>;
  } catch (err) {
    throw new ConfigError(path, '', `cannot read .env file: ${(err as Error).message}`);
  }
  for (const [name, value] of Object.entries(parsed)) if (env[name] === undefined) env[name] = value;
  return true;
}

function findConfigFile(options: LoadOptions, cwd: string, home: string): string | undefined {
  if (options.configPath) {
    const path = resolve(cwd, options.configPath);
    if (!existsSync(path)) throw new ConfigError(path, '', 'config file not found (given with --config)');
    return path;
  }
  return [join(cwd, 'config.yaml'), join(home, '.tokenomics', 'config.yaml')].find((p) => existsSync(p));
}

function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, '', `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return parseYaml(text, { prettyErrors: true });
  } catch (err) {
    throw new ConfigError(path, '', `invalid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
}

function loadCatalog(resolved: ResolvedConfig): ProviderCatalog {
  const userFile = join(resolved.config.dir, 'providers.yaml');
  try {
    const fromFile = existsSync(userFile) ? parseProvidersYaml(readFileSync(userFile, 'utf8'), userFile) : new Map();
    const inline = parseProviderMap(resolved.config.providers, resolved.file ?? 'config');
    return mergeCatalogs(embeddedCatalog(), fromFile, inline);
  } catch (err) {
    if (err instanceof CatalogError) throw new ConfigError(err.origin, '', err.problem);
    throw err;
  }
}

export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const home = options.home ?? env.HOME ?? homedir();
  const envFiles: string[] = [];
  const cwdEnv = join(cwd, '.env');
  if (loadEnvFile(cwdEnv, env)) envFiles.push(cwdEnv);

  const filePath = findConfigFile(options, cwd, home);
  const file = filePath ? { path: filePath, data: readConfigFile(filePath) } : undefined;
  const inputs = { file, env, flags: options.flags, home, cwd };
  let resolved = resolveConfig(inputs);
  // {dir}/.env is known only once dir is: read it, then resolve again so its TOKENOMICS_* values count.
  const dirEnv = join(resolved.config.dir, '.env');
  if (dirEnv !== cwdEnv && loadEnvFile(dirEnv, env)) {
    envFiles.push(dirEnv);
    resolved = resolveConfig(inputs);
  }
  return { ...resolved, catalog: loadCatalog(resolved), envFiles };
}
