// The Sessions view's API: the ledger's sessions newest first with a summary, and one session in full (the running
// one from its journal, so its requests show while it runs).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { roundUsd } from '../../core/ledger/digest.js';
import { findSession, listSessions, summarizeDigests } from '../../core/ledger/report.js';
import { readSession } from '../ledger/ledger-index.js';
import { ledgerSessions, type AdminContext } from './context.js';
import { AdminError, sendAdminJson } from './respond.js';

export const DEFAULT_SESSION_LIMIT = 100;
export const MAX_SESSION_LIMIT = 10_000;

function limitParam(params: URLSearchParams): number {
  const text = params.get('limit');
  if (text === null || text === '') return DEFAULT_SESSION_LIMIT;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SESSION_LIMIT) {
    throw new AdminError(400, `limit must be a whole number from 1 to ${MAX_SESSION_LIMIT}, got ${JSON.stringify(text)}`);
  }
  return limit;
}

export async function listSessionsRoute(ctx: AdminContext, _req: IncomingMessage, res: ServerResponse, params: URLSearchParams): Promise<void> {
  const limit = limitParam(params);
  const sessions = await ledgerSessions(ctx);
  const digests = sessions.map((s) => s.digest);
  const { totals, sessions: count } = summarizeDigests(digests);
  const rows = listSessions(digests)
    .reverse()
    .slice(0, limit)
    .map((d) => {
      const running = d.session_id === ctx.sessionId;
      return {
        session_id: d.session_id,
        started_at: d.started_at,
        ...(running || !d.ended_at ? {} : { ended_at: d.ended_at }),
        requests: d.request_count,
        total_tokens: d.total_tokens,
        cost_usd: roundUsd(d.totals.cost_usd ?? 0),
        ...(d.branch ? { branch: d.branch } : {}),
        running,
        ...(d.recovered ? { recovered: true } : {}),
      };
    });
  sendAdminJson(res, 200, {
    summary: {
      sessions: count,
      request_count: totals.request_count,
      input_tokens: totals.input_tokens,
      output_tokens: totals.output_tokens,
      total_tokens: totals.total_tokens,
      cost_usd: totals.cost_usd,
    },
    sessions: rows,
  });
}

export async function getSessionRoute(ctx: AdminContext, _req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
  let wanted: string;
  try {
    wanted = decodeURIComponent(id);
  } catch {
    throw new AdminError(404, 'session not found');
  }
  const sessions = await ledgerSessions(ctx);
  // Newest first, so a prefix shared by an old and a new session finds the new one.
  const ordered = listSessions(sessions.map((s) => ({ ...s.digest, session: s }))).reverse();
  const { match, candidates } = findSession(ordered, wanted);
  if (!match) throw new AdminError(404, 'session not found');
  if (candidates > 1 && match.session_id !== wanted) throw new AdminError(400, `session prefix ${JSON.stringify(wanted)} matches ${candidates} sessions; give more characters`);
  const summary = await readSession(match.session.file, ctx.warn);
  if (!summary) throw new AdminError(404, 'session not found');
  sendAdminJson(res, 200, { ...summary, ...(match.session_id === ctx.sessionId ? { running: true } : {}) });
}
