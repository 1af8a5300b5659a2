// The provider catalog: what each upstream is called, where it lives, how it authenticates and which wire
// format it speaks. Built from the embedded providers.yaml, then a user file, then config `providers:`.
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { isHttpUrl } from '../policy/schema.js';
import { formatIssues } from '../validation.js';
import { EMBEDDED_PROVIDERS_YAML } from './embedded.js';

export const API_FORMATS = ['openai', 'anthropic', 'gemini', 'cohere', 'ollama'] as const;
export type ApiFormat = (typeof API_FORMATS)[number];

export const providerDefSchema = z.strictObject({
  upstream_url: z.string().refine(isHttpUrl, { message: 'must be an http:// or https:// URL' }),
  api_key_env: z.string().default(''),
  base_url_env: z.string().default(''),
  auth_scheme: z.enum(['', 'bearer', 'header', 'query']).default('bearer').transform((s) => s || 'bearer'),
  auth_header: z.string().default(''),
  headers: z.record(z.string(), z.string()).default({}),
  query: z.record(z.string(), z.string()).default({}),
  chat_path: z.string().default(''),
  api_format: z.enum(API_FORMATS).default('openai'),
  models: z.array(z.string()).default([]),
});

export type ProviderDef = z.output<typeof providerDefSchema>;
export type ProviderCatalog = ReadonlyMap<string, ProviderDef>;

export class CatalogError extends Error {
  constructor(readonly origin: string, readonly problem: string) {
    super(`${origin}: ${problem}`);
  }
}

/** Validates a `{name: definition}` map; names are lower-cased like the original's config loader did. */
export function parseProviderMap(value: unknown, origin: string): Map<string, ProviderDef> {
  const out = new Map<string, ProviderDef>();
  if (value === undefined || value === null) return out;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new CatalogError(origin, 'providers must be a map of name -> provider definition');
  }
  for (const [name, def] of Object.entries(value)) {
    const result = providerDefSchema.safeParse(def, { reportInput: true });
    if (!result.success) throw new CatalogError(origin, formatIssues(result.error, ['providers', name])[0]!);
    out.set(name.toLowerCase(), result.data);
  }
  return out;
}

export function parseProvidersYaml(text: string, origin: string): Map<string, ProviderDef> {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new CatalogError(origin, `invalid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return new Map();
  if (typeof doc !== 'object' || Array.isArray(doc) || !('providers' in doc)) {
    throw new CatalogError(origin, 'expected a top-level "providers:" map');
  }
  return parseProviderMap((doc as { providers: unknown }).providers, origin);
}

export function embeddedCatalog(): Map<string, ProviderDef> {
  return parseProvidersYaml(EMBEDDED_PROVIDERS_YAML, 'embedded providers.yaml');
}

/** Later layers replace earlier entries by name, whole-object. */
export function mergeCatalogs(...layers: ReadonlyArray<ReadonlyMap<string, ProviderDef>>): Map<string, ProviderDef> {
  const out = new Map<string, ProviderDef>();
  for (const layer of layers) for (const [name, def] of layer) out.set(name, def);
  return new Map([...out.entries()].sort(([a], [b]) => a.localeCompare(b)));
}
