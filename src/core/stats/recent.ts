// The last finished requests, newest first, for the dashboard's live view: a fixed ring buffer (no array.shift on
// the hot path) that also tells its subscribers of each new entry, which the control API streams as SSE.

/** One finished request as the dashboard shows it: no bodies, no secrets, the token as a hash prefix. */
export interface RecentRequest {
  readonly at: string;
  readonly request_id: string;
  readonly status: number;
  readonly latency_ms: number;
  readonly model: string;
  readonly provider: string;
  /** First 8 characters of the token hash; "" for requests without a valid token. */
  readonly token: string;
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cache_read_tokens: number;
  readonly cost_usd: number;
  readonly stream: boolean;
  readonly error?: string;
  /** Rule hits: `name (action)` or `#n (action)`. */
  readonly rules?: readonly string[];
}

export type RecentListener = (request: RecentRequest) => void;

export const RECENT_CAPACITY = 50;

export class RecentRequests {
  readonly #slots: (RecentRequest | undefined)[];
  readonly #listeners = new Set<RecentListener>();
  #next = 0;
  #size = 0;

  constructor(readonly capacity = RECENT_CAPACITY) {
    this.#slots = new Array<RecentRequest | undefined>(capacity);
  }

  push(request: RecentRequest): void {
    this.#slots[this.#next] = request;
    this.#next = (this.#next + 1) % this.capacity;
    this.#size = Math.min(this.#size + 1, this.capacity);
    for (const listener of this.#listeners) {
      try {
        listener(request);
      } catch {
        // a broken subscriber (a closed stream) must not affect the request path
      }
    }
  }

  /** Newest first. */
  list(): RecentRequest[] {
    const out: RecentRequest[] = [];
    for (let i = 1; i <= this.#size; i++) out.push(this.#slots[(this.#next - i + this.capacity) % this.capacity]!);
    return out;
  }

  subscribe(listener: RecentListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
