// Builds the daemon's UsageLimits from the configuration: the counter backend (embedded in the token database, or
// a shared Redis) and the token counter for estimates (gpt-tokenizer, loaded in the background at start).
import { hash } from 'node:crypto';
import type { Config } from '../../core/config/types.js';
import type { EventSink } from '../../core/events/types.js';
import { roughCount, type TokenCounter } from '../../core/usage/estimate.js';
import type { Loggers } from '../log/logger.js';
import type { TokenStore } from '../store/token-store.js';
import type { CounterStore } from './counter-store.js';
import { EmbeddedCounters } from './embedded-counters.js';
import { UsageLimits } from './usage-limits.js';

async function openStore(config: Config, tokens: TokenStore): Promise<CounterStore> {
  if (config.session.backend !== 'redis') return EmbeddedCounters.open(tokens.area('usage'));
  const { RedisCounters } = await import('./redis-counters.js');
  const { addr, password, db } = config.session.redis;
  return RedisCounters.connect({ addr, password: password || undefined, db });
}

/** Texts shorter than this are counted every time: hashing them would cost about as much as counting. */
const MEMO_MIN_CHARS = 256;
const MEMO_ENTRIES = 4096;

/**
 * Remembers the counts of recent long texts by their digest. Agents send the whole conversation with every request,
 * so all but the newest message were counted before; this makes an estimate cost what the new text costs.
 */
export function memoized(count: TokenCounter): TokenCounter {
  const counts = new Map<string, number>();
  return (text) => {
    if (text.length < MEMO_MIN_CHARS) return count(text);
    const key = hash('sha1', text, 'base64');
    const known = counts.get(key);
    if (known !== undefined) {
      counts.delete(key); // most recently used goes last
      counts.set(key, known);
      return known;
    }
    const tokens = count(text);
    if (counts.size >= MEMO_ENTRIES) counts.delete(counts.keys().next().value!);
    counts.set(key, tokens);
    return tokens;
  };
}

/** gpt-tokenizer's o200k encoder, special tokens counted as text; the rough rule until it has loaded. */
function tokenCounter(logs: Loggers): () => TokenCounter {
  let counter: TokenCounter = roughCount;
  import('gpt-tokenizer/encoding/o200k_base').then(
    ({ countTokens }) => {
      const options = { disallowedSpecial: new Set<string>() };
      counter = memoized((text) => countTokens(text, options));
    },
    (err: unknown) => logs.app.warn({ err }, 'the tokenizer did not load; estimates use 4 characters per token'),
  );
  return () => counter;
}

export async function openLimits(config: Config, tokens: TokenStore, events: EventSink, logs: Loggers): Promise<UsageLimits> {
  return new UsageLimits({
    store: await openStore(config, tokens),
    onBackendError: config.session.on_backend_error,
    pricing: config.pricing,
    events,
    counter: tokenCounter(logs),
    warn: (message, details) => logs.app.warn(details, message),
  });
}
