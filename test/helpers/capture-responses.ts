// Vitest setup file: in a full run, every response a test receives through fetch (the official SDKs use it too) is
// copied to the run root, so the secret scan after the suite reads what the APIs answered. The copy is a clone read
// on the side; the test reads its response as usual.
import { recordResponse, runRoot } from './run-root.js';

/** Bodies are kept up to this size: a secret would sit in the headers or the first bytes of an error or report. */
const KEPT_BYTES = 4 * 1024 * 1024;

/** Answers that carry a raw wrapper token by design: token creation on the control API, the central server and the admin API. */
function createsToken(method: string, url: string): boolean {
  if (method !== 'POST') return false;
  const path = new URL(url).pathname;
  return path === '/tokens' || path === '/api/v1/tokens' || path === '/admin/api/keys' || path === '/admin/api/tokens';
}

if (runRoot()) {
  const original = globalThis.fetch;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const response = await original(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const headers = [...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
    const line = `${method} ${url} ${response.status}\n${headers}`;
    const copy = response.clone();
    void (async () => {
      const chunks: Buffer[] = [];
      let kept = 0;
      try {
        for await (const chunk of copy.body ?? []) {
          if (kept < KEPT_BYTES) chunks.push(Buffer.from(chunk as Uint8Array));
          kept += (chunk as Uint8Array).length;
        }
      } catch {
        // The test aborted the request or the server cut it: keep what arrived.
      }
      recordResponse(line, Buffer.concat(chunks).toString('utf8'), createsToken(method, url));
    })();
    return response;
  };
}
