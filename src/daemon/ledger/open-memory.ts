// The daemon's conversation-memory writers from its configuration: the ledger's file (ledger.memory) and each
// policy's `memory`, with a Redis client (session.redis) made only when a policy asks for Redis lists.
import { createRequire } from 'node:module';
import type { Redis as RedisClient } from 'ioredis';
import type { Config } from '../../core/config/types.js';
import { redisHostPort } from '../limits/redis-addr.js';
import type { Loggers } from '../log/logger.js';
import type { Ledger } from './ledger.js';
import { MemoryWriters, type RedisListClient } from './memory-writers.js';

/** Errors are logged, at most one line per WARN_EVERY failures, so a full disk cannot flood the log. */
const WARN_EVERY = 100;

export function openMemory(config: Config, ledger: Ledger | undefined, logs: Loggers): { writers: MemoryWriters; close(): Promise<void> } {
  let redis: RedisClient | undefined;
  const connect = (): RedisListClient => {
    // Loaded on first use (synchronously: writers ask for the client inside a write): most setups never need it.
    const { Redis } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
    redis = new Redis({ ...redisHostPort(config.session.redis.addr), password: config.session.redis.password || undefined, db: config.session.redis.db, maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined); // failures surface through the writes, which count them
    return redis;
  };
  let failures = 0;
  const writers = new MemoryWriters({
    dir: config.dir,
    ledgerMemory: Boolean(ledger) && config.ledger.memory,
    sessionId: ledger?.sessionId ?? '',
    redis: connect,
    onError: (err, where) => {
      if (failures++ % WARN_EVERY === 0) logs.app.warn({ error: err.message, where, failures }, 'could not write conversation memory');
    },
  });
  return {
    writers,
    async close() {
      const { errors } = await writers.close();
      if (errors) logs.app.warn({ errors }, 'conversation memory had write errors this session');
      if (redis) await redis.quit().catch(() => redis!.disconnect());
    },
  };
}
