// What a request cost in USD: the user's `pricing` overrides first, else the maintained price table of
// @pydantic/genai-prices (bundled, offline; cache reads/writes and long-context tiers priced by it). A model found in
// neither costs 0 and is reported as unpriced, never guessed.
import { calcPrice } from '@pydantic/genai-prices';
import type { Usage } from './usage.js';

/** A config `pricing` entry: USD per million tokens. */
export interface PriceOverride {
  readonly input: number;
  readonly output: number;
  /** Defaults to `input`. */
  readonly cache_read?: number;
  /** Defaults to `input`. */
  readonly cache_write?: number;
}

export type PriceOverrides = Readonly<Record<string, PriceOverride>>;

export interface Cost {
  readonly usd: number;
  /** Where the price came from; `unpriced` means the model is in neither the overrides nor the table. */
  readonly source: 'override' | 'table' | 'unpriced';
}

/** Our catalog's provider names where the price table calls them otherwise. */
const TABLE_PROVIDER: Readonly<Record<string, string>> = {
  azure_openai: 'azure',
  google_gemini: 'google',
  gemini: 'google',
  vertex_ai: 'google',
  together: 'together',
  xai: 'x-ai',
};

const MTOK = 1_000_000;

function overrideCost(price: PriceOverride, usage: Usage): number {
  const uncached = Math.max(0, usage.input_tokens - usage.cache_read_tokens - usage.cache_write_tokens);
  return (
    (uncached * price.input +
      usage.cache_read_tokens * (price.cache_read ?? price.input) +
      usage.cache_write_tokens * (price.cache_write ?? price.input) +
      usage.output_tokens * price.output) /
    MTOK
  );
}

function tableCost(usage: Usage, model: string, provider: string | undefined): number | undefined {
  const tableUsage = {
    input_tokens: usage.input_tokens,
    output_tokens: usage.output_tokens,
    cache_read_tokens: Math.min(usage.cache_read_tokens, usage.input_tokens),
    cache_write_tokens: Math.min(usage.cache_write_tokens, Math.max(0, usage.input_tokens - usage.cache_read_tokens)),
  };
  const providerId = provider ? TABLE_PROVIDER[provider] ?? provider : undefined;
  try {
    const priced = (providerId ? calcPrice(tableUsage, model, { providerId }) : null) ?? calcPrice(tableUsage, model);
    return priced ? priced.total_price : undefined;
  } catch {
    return undefined;
  }
}

/** The cost of `usage` on `model` (as the provider named it) served by `provider` (our catalog name). */
export function costOf(usage: Usage, model: string, provider: string | undefined, overrides: PriceOverrides = {}): Cost {
  const override = overrides[model] ?? overrides[model.toLowerCase()];
  if (override) return { usd: overrideCost(override, usage), source: 'override' };
  if (!model) return { usd: 0, source: 'unpriced' };
  const usd = tableCost(usage, model, provider);
  return usd === undefined ? { usd: 0, source: 'unpriced' } : { usd, source: 'table' };
}
