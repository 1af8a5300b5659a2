// The in-memory counters behind GET /stats (reference section 16 shape plus cost_usd), reset when the daemon restarts.

export interface StatsRecord {
  readonly tokenHash: string;
  readonly model: string;
  readonly baseKeyEnv: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** USD cost of the request (0 when unpriced or free). */
  readonly costUsd: number;
  readonly error: boolean;
  readonly at: Date;
}

export interface Counts {
  request_count: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost_usd: number;
  error_count: number;
}

export interface TokenCounts extends Counts {
  last_model: string;
  base_key_env: string;
  first_seen: string;
  last_seen: string;
}

function zero(): Counts {
  return { request_count: 0, input_tokens: 0, output_tokens: 0, total_tokens: 0, cost_usd: 0, error_count: 0 };
}

function add(counts: Counts, record: StatsRecord): void {
  counts.request_count += 1;
  counts.input_tokens += record.inputTokens;
  counts.output_tokens += record.outputTokens;
  counts.total_tokens += record.inputTokens + record.outputTokens;
  counts.cost_usd += record.costUsd;
  if (record.error) counts.error_count += 1;
}

/** The /stats document. */
export interface StatsSnapshot {
  readonly totals: Counts;
  readonly by_model_and_key: ReadonlyArray<Counts & { model: string; base_key_env: string }>;
  readonly by_token: ReadonlyArray<TokenCounts & { token_hash: string }>;
}

export class Stats {
  readonly #totals = zero();
  readonly #byModelAndKey = new Map<string, Counts & { model: string; base_key_env: string }>();
  readonly #byToken = new Map<string, TokenCounts>();

  record(record: StatsRecord): void {
    add(this.#totals, record);
    const key = `${record.model}\u0000${record.baseKeyEnv}`;
    let byModel = this.#byModelAndKey.get(key);
    if (!byModel) {
      byModel = { model: record.model, base_key_env: record.baseKeyEnv, ...zero() };
      this.#byModelAndKey.set(key, byModel);
    }
    add(byModel, record);
    const at = record.at.toISOString();
    let byToken = this.#byToken.get(record.tokenHash);
    if (!byToken) {
      byToken = { ...zero(), last_model: '', base_key_env: record.baseKeyEnv, first_seen: at, last_seen: at };
      this.#byToken.set(record.tokenHash, byToken);
    }
    add(byToken, record);
    if (record.model) byToken.last_model = record.model;
    byToken.last_seen = at;
  }

  /** The /stats document; token hashes shortened to 16 characters. */
  snapshot(): StatsSnapshot {
    const byTotal = (a: Counts, b: Counts) => b.total_tokens - a.total_tokens;
    return {
      totals: { ...this.#totals },
      by_model_and_key: [...this.#byModelAndKey.values()].map((entry) => ({ ...entry })).sort(byTotal),
      by_token: [...this.#byToken.entries()]
        .map(([hash, counts]) => ({ token_hash: hash.slice(0, 16), ...counts }))
        .sort(byTotal),
    };
  }
}
