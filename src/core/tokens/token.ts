// Wrapper tokens: `tkn_` + a random UUID, stored only as HMAC-SHA256(hash key, token) in hex.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

export const TOKEN_PREFIX = 'tkn_';

export function generateToken(): string {
  return `${TOKEN_PREFIX}${randomUUID()}`;
}

export function isWrapperToken(value: string): boolean {
  return value.startsWith(TOKEN_PREFIX) && value.length > TOKEN_PREFIX.length;
}

export function hashToken(hashKey: Uint8Array, token: string): string {
  return createHmac('sha256', hashKey).update(token).digest('hex');
}

export function isFullHash(value: string): boolean {
  return /^[0-9a-f]{64}$/.test(value);
}

/** Constant-time comparison of two hex hashes (or any two strings). */
export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
