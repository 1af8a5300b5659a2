// After a crash, the budget counters catch up with the recovered journals: each finished request that no persisted
// counter batch had recorded is charged to its token's budget and max_tokens meters (rate windows are short and
// simply start again). The ledger is the record of what was used; the counters follow it.
import { metersFor, toNanoUsd } from '../../core/limits/meters.js';
import type { SessionSummary } from '../../core/ledger/types.js';
import { resolvePolicy } from '../../core/policy/resolve.js';
import type { TokenRecord } from '../store/token-store.js';
import type { EmbeddedCounters, JournaledCharges } from './embedded-counters.js';

/** A journal line is data from disk: a count that is not a finite number counts as nothing. */
const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0);

export async function reconcileCounters(
  counters: EmbeddedCounters,
  recovered: readonly SessionSummary[],
  tokens: { get(hash: string): Promise<TokenRecord | undefined> },
  now = Date.now(),
): Promise<number> {
  const records = new Map<string, TokenRecord | undefined>();
  const journaled: JournaledCharges[] = [];
  for (const entry of recovered.flatMap((s) => s.requests)) {
    if (typeof entry.request_id !== 'string' || typeof entry.token_hash !== 'string' || typeof entry.model !== 'string' || !entry.request_id) continue;
    if (!records.has(entry.token_hash)) records.set(entry.token_hash, await tokens.get(entry.token_hash));
    const record = records.get(entry.token_hash);
    if (!record) continue;
    const meters = metersFor(resolvePolicy(record.policy, entry.model), entry.model).filter((m) => m.kind === 'budget' || m.kind === 'max_tokens');
    journaled.push({
      requestId: entry.request_id,
      at: Number.isFinite(Date.parse(entry.timestamp)) ? Date.parse(entry.timestamp) : now,
      charges: meters.map((meter) => ({
        key: `${entry.token_hash}:${meter.id}`,
        meter,
        amount: meter.unit === 'usd' ? toNanoUsd(count(entry.cost_usd)) : count(entry.input_tokens) + count(entry.output_tokens),
      })),
    });
  }
  return counters.reconcile(journaled, now);
}
