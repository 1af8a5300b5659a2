// Token changes that other parts of the system hear about: each write to the store is followed by its token.* event.
// The control API (CLI commands) and the admin API both change tokens through these, so both announce alike.
import type { EventSink } from '../../core/events/types.js';
import type { ParsedPolicy } from '../../core/policy/parse.js';
import type { CreatedToken, TokenBackend } from '../store/token-backend.js';
import type { TokenRecord, TokenUpdate } from '../store/token-store.js';

/** token.* events carry the first 8 characters of the hash, as the original did. */
const eventHash = (hash: string) => hash.slice(0, 8);

export async function createToken(tokens: TokenBackend, events: EventSink, policy: ParsedPolicy, expiresAt?: Date): Promise<CreatedToken> {
  const created = await tokens.createToken(policy, expiresAt);
  events.emit('token.created', { token_hash: eventHash(created.record.hash), expires_at: created.record.expiresAt ?? null });
  return created;
}

export async function updateToken(tokens: TokenBackend, events: EventSink, hash: string, change: TokenUpdate): Promise<TokenRecord> {
  const record = await tokens.update(hash, change);
  events.emit('token.updated', { token_hash: eventHash(record.hash), expires_at: record.expiresAt ?? null });
  return record;
}

export async function deleteToken(tokens: TokenBackend, events: EventSink, hash: string): Promise<void> {
  await tokens.delete(hash);
  events.emit('token.deleted', { token_hash: eventHash(hash) });
}
