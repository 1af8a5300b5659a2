// What the reliability tests share: tokens made through the daemon's control API, the ledger as the journals hold
// it, the budget a token sees through the self-service endpoint, and the daemon's memory use.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestEntry } from '../../src/core/ledger/types.js';

export interface ControlState {
  readonly control_url: string;
  readonly control_secret: string;
}

export function controlState(dir: string): ControlState {
  return JSON.parse(readFileSync(join(dir, 'daemon.json'), 'utf8')) as ControlState;
}

/** Creates a wrapper token through the running daemon's control API (what `tokenomics token create` does). */
export async function createToken(dir: string, policy: object): Promise<{ token: string; hash: string }> {
  const state = controlState(dir);
  const res = await fetch(`${state.control_url}/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${state.control_secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ policy: JSON.stringify(policy) }),
  });
  const body = (await res.json()) as { token: string; record: { hash: string } };
  if (res.status !== 201) throw new Error(`token create answered ${res.status}: ${JSON.stringify(body)}`);
  return { token: body.token, hash: body.record.hash };
}

/** Every request line of every journal and session file under {dir}/sessions. */
export function ledgerEntries(dir: string): RequestEntry[] {
  const sessions = join(dir, 'sessions');
  if (!existsSync(sessions)) return [];
  const entries: RequestEntry[] = [];
  for (const name of readdirSync(sessions)) {
    const text = readFileSync(join(sessions, name), 'utf8');
    if (name.endsWith('.jsonl')) {
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        const parsed = JSON.parse(line) as { kind: string } & RequestEntry;
        if (parsed.kind === 'request') entries.push(parsed);
      }
    } else if (name.endsWith('.json')) {
      entries.push(...(JSON.parse(text) as { requests: RequestEntry[] }).requests);
    }
  }
  return entries;
}

export interface Limit {
  readonly kind: string;
  readonly unit: string;
  readonly used: number;
  readonly limit: number;
}

/** The token's limits as it sees them itself (GET /v1/tokenomics/key). */
export async function tokenLimits(url: string, token: string): Promise<Limit[]> {
  const res = await fetch(`${url}/v1/tokenomics/key`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`/v1/tokenomics/key answered ${res.status}`);
  return ((await res.json()) as { limits: Limit[] }).limits;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `read` until `done` holds or `ms` pass; returns the last value (the caller asserts on it). */
export async function eventually<T>(read: () => Promise<T> | T, done: (value: T) => boolean, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(50);
  }
}

/** Resident memory of a process in MB (Linux ps). */
export function rssMb(pid: number): number {
  return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)]).toString().trim()) / 1024;
}

/** mulberry32: a small seeded generator, so a failing random run can be replayed from its printed seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
