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

/** USD per token of each kind, plus a per-request fee: the price of a model whose table entry is flat. */
interface FlatPrice {
  readonly request: number;
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
}

type TableUsage = { input_tokens: number; output_tokens: number; cache_read_tokens: number; cache_write_tokens: number };

function lookUp(usage: TableUsage, model: string, providerId: string | undefined) {
  try {
    return (providerId ? calcPrice(usage, model, { providerId }) : null) ?? calcPrice(usage, model);
  } catch {
    return null;
  }
}

/**
 * The table's price of a model, when it is flat (one set of prices, no tiers, no time-dependent prices): then a cost is
 * linear in the token counts, and five table lookups made once price every later request without the table's model
 * matching (tens of microseconds per lookup). `null`: tiered, conditional or unpriced; every call asks the table.
 */
function flatPrice(model: string, providerId: string | undefined): FlatPrice | null {
  const probe = (input: number, output: number, cacheRead: number, cacheWrite: number) =>
    lookUp({ input_tokens: input, output_tokens: output, cache_read_tokens: cacheRead, cache_write_tokens: cacheWrite }, model, providerId);
  const zero = probe(0, 0, 0, 0);
  if (!zero || Array.isArray(zero.model.prices) || Object.values(zero.model_price).some((p) => p !== undefined && typeof p !== 'number')) return null;
  const M = 1_000_000;
  const at = (result: ReturnType<typeof probe>) => (result ? (result.total_price - zero.total_price) / M : NaN);
  const input = at(probe(M, 0, 0, 0));
  const price = {
    request: zero.total_price,
    input,
    output: at(probe(0, M, 0, 0)),
    cacheRead: at(probe(M, 0, M, 0)),
    cacheWrite: at(probe(M, 0, 0, M)),
  };
  return Object.values(price).every(Number.isFinite) ? price : null;
}

const FLAT_CACHE_LIMIT = 1000;
const flatPrices = new Map<string, FlatPrice | null>();

function tableCost(usage: Usage, model: string, provider: string | undefined): number | undefined {
  const cacheRead = Math.min(usage.cache_read_tokens, usage.input_tokens);
  const tableUsage = {
    input_tokens: usage.input_tokens,
    output_tokens: usage.output_tokens,
    cache_read_tokens: cacheRead,
    cache_write_tokens: Math.min(usage.cache_write_tokens, Math.max(0, usage.input_tokens - cacheRead)),
  };
  const providerId = provider ? TABLE_PROVIDER[provider] ?? provider : undefined;
  const key = `${providerId ?? ''}\0${model}`;
  let flat = flatPrices.get(key);
  if (flat === undefined) {
    if (flatPrices.size >= FLAT_CACHE_LIMIT) flatPrices.clear();
    flat = flatPrice(model, providerId);
    flatPrices.set(key, flat);
  }
  if (flat) {
    const uncached = tableUsage.input_tokens - tableUsage.cache_read_tokens - tableUsage.cache_write_tokens;
    return (
      flat.request +
      uncached * flat.input +
      tableUsage.output_tokens * flat.output +
      tableUsage.cache_read_tokens * flat.cacheRead +
      tableUsage.cache_write_tokens * flat.cacheWrite
    );
  }
  return lookUp(tableUsage, model, providerId)?.total_price;
}

/** The cost of `usage` on `model` (as the provider named it) served by `provider` (our catalog name). */
export function costOf(usage: Usage, model: string, provider: string | undefined, overrides: PriceOverrides = {}): Cost {
  const override = overrides[model] ?? overrides[model.toLowerCase()];
  if (override) return { usd: overrideCost(override, usage), source: 'override' };
  if (!model) return { usd: 0, source: 'unpriced' };
  const usd = tableCost(usage, model, provider);
  return usd === undefined ? { usd: 0, source: 'unpriced' } : { usd, source: 'table' };
}
