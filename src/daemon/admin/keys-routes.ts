// The Keys view's API: list, show, create, update and delete wrapper tokens. Changes go through the same token
// actions as the CLI's control API, so each emits its token.* event; the raw token appears once, in the create answer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parsePolicy, PolicyError, type ParsedPolicy } from '../../core/policy/parse.js';
import type { Policy } from '../../core/policy/schema.js';
import type { BudgetGauge } from '../../core/stats/dashboard.js';
import { ExpiryError, parseExpiry } from '../../core/tokens/expiry.js';
import { tokenGauges } from '../control/dashboard.js';
import { createToken, deleteToken, updateToken } from '../control/token-actions.js';
import { readBody } from '../http/io.js';
import { StoreError, TokenNotFoundError, type TokenRecord } from '../store/token-store.js';
import type { AdminContext } from './context.js';
import { AdminError, sendAdminJson } from './respond.js';

export const MAX_BODY = 1024 * 1024;

export interface TokenSummary {
  token_hash: string;
  created_at: string;
  expires_at?: string;
  origin?: 'remote';
  policy: { base_key_env?: string; default_provider?: string; max_tokens?: number; rule_count: number };
  providers: { name: string; policy_count: number; models?: string[] }[];
  budgets: BudgetGauge[];
}

function providerSummaries(policy: Policy): TokenSummary['providers'] {
  return Object.entries(policy.providers ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, list]) => {
      const models = new Set<string>();
      for (const p of list) {
        if (p.model) models.add(p.model);
        if (p.model_regex) models.add(`regex:${p.model_regex}`);
      }
      return { name, policy_count: list.length, ...(models.size ? { models: [...models].sort() } : {}) };
    });
}

export async function tokenSummary(ctx: AdminContext, record: TokenRecord): Promise<TokenSummary> {
  const p = record.policy;
  return {
    token_hash: record.hash,
    created_at: record.createdAt,
    ...(record.expiresAt ? { expires_at: record.expiresAt } : {}),
    ...(record.origin ? { origin: record.origin } : {}),
    policy: {
      ...(p.base_key_env ? { base_key_env: p.base_key_env } : {}),
      ...(p.default_provider ? { default_provider: p.default_provider } : {}),
      ...(p.max_tokens ? { max_tokens: p.max_tokens } : {}),
      rule_count: p.rules?.length ?? 0,
    },
    providers: providerSummaries(p),
    budgets: await tokenGauges(ctx.limits, record),
  };
}

/** The request body as a JSON object; 413 over 1 MB, 400 naming the problem otherwise. */
export async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = (await readBody(req, MAX_BODY)).toString('utf8');
  if (!text.trim()) throw new AdminError(400, 'request body is empty; send a JSON object');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new AdminError(400, `request body is not valid JSON: ${(err as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new AdminError(400, 'request body must be a JSON object');
  return value as Record<string, unknown>;
}

/** `policy` as the editor sends it: an object, or the JSON text of one. */
function policyField(value: unknown): ParsedPolicy {
  if (typeof value === 'string') return parsePolicy(value);
  if (value && typeof value === 'object' && !Array.isArray(value)) return parsePolicy(JSON.stringify(value));
  throw new PolicyError(['"policy" must be a policy object or its JSON text']);
}

function expiresField(value: unknown, allowClear: boolean): Date | null | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new AdminError(400, '"expires" must be a string: a duration (30d), an RFC3339 time, or empty');
  const expiry = parseExpiry(value);
  if (expiry.kind === 'clear') {
    if (!allowClear) throw new AdminError(400, '"expires": "clear" only applies to an update');
    return null;
  }
  return expiry.at;
}

/** A full hash or a unique prefix of at least 8 characters; anything unknown is 404, an ambiguous prefix 400. */
export async function resolveTokenHash(ctx: AdminContext, given: string): Promise<string> {
  let text: string;
  try {
    text = decodeURIComponent(given);
  } catch {
    throw new AdminError(404, 'token not found');
  }
  try {
    return await ctx.tokens.resolveHash(text);
  } catch (err) {
    if (err instanceof TokenNotFoundError || (err instanceof StoreError && /is not a token hash/.test(err.message))) throw new AdminError(404, 'token not found');
    throw err;
  }
}

async function record(ctx: AdminContext, hash: string): Promise<TokenRecord> {
  const found = await ctx.tokens.get(hash);
  if (!found) throw new AdminError(404, 'token not found');
  return found;
}

export async function listKeys(ctx: AdminContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { tokens } = await ctx.tokens.list();
  const sorted = [...tokens].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.hash < b.hash ? -1 : 1));
  const summaries = [];
  for (const token of sorted) summaries.push(await tokenSummary(ctx, token));
  sendAdminJson(res, 200, { count: summaries.length, tokens: summaries });
}

export async function getKey(ctx: AdminContext, _req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
  const found = await record(ctx, await resolveTokenHash(ctx, id));
  sendAdminJson(res, 200, { ...(await tokenSummary(ctx, found)), policy_raw: found.policyRaw, policy: found.policy });
}

export async function createKey(ctx: AdminContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await jsonBody(req);
  if (body.policy === undefined || body.policy === null || body.policy === '') throw new AdminError(400, 'policy is required');
  const policy = policyField(body.policy);
  const expires = expiresField(body.expires, false) ?? undefined;
  const created = await createToken(ctx.tokens, ctx.events, policy, expires);
  sendAdminJson(res, 201, {
    token: created.token,
    hash: created.record.hash,
    expires: created.record.expiresAt ?? '',
    message: 'store this token securely, it is only returned once',
  });
}

export async function updateKey(ctx: AdminContext, req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
  const hash = await resolveTokenHash(ctx, id);
  const body = await jsonBody(req);
  const hasPolicy = body.policy !== undefined && body.policy !== null && body.policy !== '';
  const hasExpires = body.expires !== undefined && body.expires !== null && body.expires !== '';
  if (!hasPolicy && !hasExpires) throw new AdminError(400, 'policy and/or expires required');
  const policy = hasPolicy ? policyField(body.policy) : undefined;
  const expiresAt = expiresField(body.expires, true);
  let updated: TokenRecord;
  try {
    updated = await updateToken(ctx.tokens, ctx.events, hash, { policy, expiresAt });
  } catch (err) {
    if (err instanceof TokenNotFoundError) throw new AdminError(404, 'token not found');
    throw err;
  }
  sendAdminJson(res, 200, { status: 'updated', token: await tokenSummary(ctx, updated) });
}

export async function deleteKey(ctx: AdminContext, _req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
  const hash = await resolveTokenHash(ctx, id);
  try {
    await deleteToken(ctx.tokens, ctx.events, hash);
  } catch (err) {
    if (err instanceof TokenNotFoundError) throw new AdminError(404, 'token not found');
    throw err;
  }
  sendAdminJson(res, 200, { status: 'deleted' });
}

/** Errors of the token layer as the API reports them. */
export function keyError(err: unknown): AdminError | undefined {
  if (err instanceof PolicyError) return new AdminError(400, err.message, { issues: err.issues });
  if (err instanceof ExpiryError) return new AdminError(400, err.message);
  if (err instanceof TokenNotFoundError) return new AdminError(404, 'token not found');
  if (err instanceof StoreError) return new AdminError(400, err.message);
  return undefined;
}
