// Usage figures for the Analytics view: this run's realtime counters (the /stats document) beside the ledger's
// totals, per token, and the time series of ./analytics.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { roundUsd } from '../../core/ledger/digest.js';
import { summarizeDigests } from '../../core/ledger/report.js';
import { isFullHash } from '../../core/tokens/token.js';
import { readSession } from '../ledger/ledger-index.js';
import { buildSeries, parseSeriesQuery } from './analytics.js';
import { ledgerSessions, type AdminContext } from './context.js';
import { resolveTokenHash } from './keys-routes.js';
import { sendAdminJson } from './respond.js';

const realtime = (ctx: AdminContext) => ctx.stats.snapshot();

export async function analyticsSummary(ctx: AdminContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  const stats = realtime(ctx);
  const byProvider: Record<string, number> = {};
  const byModel: Record<string, number> = {};
  for (const row of stats.by_model_and_key) {
    if (row.base_key_env) byProvider[row.base_key_env] = (byProvider[row.base_key_env] ?? 0) + row.total_tokens;
    if (row.model) byModel[row.model] = (byModel[row.model] ?? 0) + row.total_tokens;
  }
  const ledger = summarizeDigests((await ledgerSessions(ctx)).map((s) => s.digest));
  const t = stats.totals;
  sendAdminJson(res, 200, {
    totals: { request_count: t.request_count, input_tokens: t.input_tokens, output_tokens: t.output_tokens, total_tokens: t.total_tokens, error_count: t.error_count, cost_usd: roundUsd(t.cost_usd) },
    active_tokens: new Set(stats.by_token.map((row) => row.token_hash)).size,
    by_provider: byProvider,
    by_model: byModel,
    ledger: {
      sessions: ledger.sessions,
      request_count: ledger.totals.request_count,
      input_tokens: ledger.totals.input_tokens,
      output_tokens: ledger.totals.output_tokens,
      total_tokens: ledger.totals.total_tokens,
      cost_usd: ledger.totals.cost_usd,
    },
  });
}

export async function analyticsSeries(ctx: AdminContext, _req: IncomingMessage, res: ServerResponse, params: URLSearchParams): Promise<void> {
  const query = parseSeriesQuery(params);
  sendAdminJson(res, 200, await buildSeries(await ledgerSessions(ctx), query, ctx.warn));
}

export async function usageSummary(ctx: AdminContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  const stats = realtime(ctx);
  sendAdminJson(res, 200, {
    realtime: { totals: stats.totals, by_model_and_key: stats.by_model_and_key, by_token: stats.by_token },
    ledger: summarizeDigests((await ledgerSessions(ctx)).map((s) => s.digest)),
  });
}

/** A known token's full hash from a prefix; a full hash is taken as is (a deleted token's usage stays readable). */
async function usageHash(ctx: AdminContext, given: string): Promise<string> {
  const text = given.trim().toLowerCase();
  return isFullHash(text) ? text : resolveTokenHash(ctx, given);
}

export async function usageForToken(ctx: AdminContext, _req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
  const hash = await usageHash(ctx, id);
  const stats = realtime(ctx);
  const ledger = { request_count: 0, input_tokens: 0, output_tokens: 0, total_tokens: 0, cost_usd: 0, models_used: [] as string[], first_seen: '', last_seen: '' };
  for (const session of await ledgerSessions(ctx)) {
    if (!session.digest.tokens.includes(hash)) continue;
    const summary = await readSession(session.file, ctx.warn);
    const rollup = summary?.by_token[hash];
    if (!rollup) continue;
    ledger.request_count += rollup.request_count;
    ledger.input_tokens += rollup.input_tokens;
    ledger.output_tokens += rollup.output_tokens;
    ledger.total_tokens += rollup.total_tokens;
    ledger.cost_usd += rollup.cost_usd ?? 0;
    for (const model of rollup.models_used ?? []) if (!ledger.models_used.includes(model)) ledger.models_used.push(model);
    if (rollup.first_seen && (!ledger.first_seen || rollup.first_seen < ledger.first_seen)) ledger.first_seen = rollup.first_seen;
    if (rollup.last_seen && rollup.last_seen > ledger.last_seen) ledger.last_seen = rollup.last_seen;
  }
  ledger.cost_usd = roundUsd(ledger.cost_usd);
  sendAdminJson(res, 200, {
    token_hash: hash,
    realtime: stats.by_token.filter((row) => hash.startsWith(row.token_hash) || row.token_hash.startsWith(hash)),
    ledger,
  });
}
