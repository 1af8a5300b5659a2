// The inbound webhook of a proxy (`remote.webhook.*`): the central server posts token events here, and the proxy
// syncs soon after (a burst of events ends in one sync after the last). Checks and answers as the reference's
// receiver, except that events are coalesced, never dropped.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../../core/config/types.js';
import { GatewayError } from '../../core/proxy/errors.js';
import { readBody, sendJson } from '../http/io.js';

const BODY_LIMIT = 1024 * 1024;

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Compares digests: equal lengths for timingSafeEqual, and the secret's length does not show either. */
function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

export function webhookReceiver(settings: Config['remote']['webhook'], requestSync: () => void) {
  return async function receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'method not allowed' });
    let body: Buffer;
    try {
      body = await readBody(req, BODY_LIMIT);
    } catch (err) {
      return sendJson(res, err instanceof GatewayError ? err.status : 400, { error: err instanceof GatewayError ? err.message : 'could not read the body' });
    }
    if (settings.secret && !sameSecret(String(req.headers['x-webhook-secret'] ?? ''), settings.secret)) {
      return sendJson(res, 401, { error: 'unauthorized' });
    }
    if (settings.signing_key) {
      const expected = `sha256=${createHmac('sha256', settings.signing_key).update(body).digest('hex')}`;
      if (!sameSecret(String(req.headers['x-webhook-signature'] ?? ''), expected)) return sendJson(res, 403, { error: 'invalid signature' });
    }
    let type: unknown;
    try {
      type = (JSON.parse(body.toString('utf8')) as { type?: unknown } | null)?.type;
    } catch {
      type = undefined;
    }
    if (typeof type !== 'string') return sendJson(res, 400, { error: 'invalid json' });
    if (!type.startsWith('token.')) return sendJson(res, 200, { status: 'ignored', reason: 'not a token event' });
    requestSync();
    sendJson(res, 200, { status: 'accepted' });
  };
}
