// The text of conversation-memory entries (reference section 7): the markdown entry every file writer appends, the
// sanitisation applied to what it records, and the blocks the proxy records for a request, a buffered response and a
// streamed response. Pure: no I/O. Ours: header keys sorted (the original printed Go's random map order) and every
// credential-looking header left out, not only Authorization, X-Api-Key and Api-Key.
import { isUtf8 } from 'node:buffer';

/** Bodies are recorded up to this many bytes. */
export const MEMORY_BODY_LIMIT = 512 * 1024;

/** RFC 3339 in UTC with second precision: `2026-12-04T05:46:43Z`. */
export function memoryTimestamp(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// C0 controls but tab, line feed and carriage return; and DEL.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
// A high surrogate without its low half, a low one without its high half, or the replacement character that decoding
// invalid UTF-8 leaves behind.
const INVALID = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\uFFFD/g;

/** Control characters (but `\n`, `\r`, `\t`) become spaces, invalid UTF-8 (lone surrogates, U+FFFD) `?`. */
export function sanitize(text: string): string {
  return text.replace(CONTROL, ' ').replace(INVALID, '?');
}

/** A header field of the entry on one line, whatever the client sent as a model name. */
function field(text: string): string {
  return sanitize(text).replace(/[\r\n]/g, ' ');
}

/** One markdown entry: `## <ts> | <session id, 16 chars> | <role> | <model>`, a blank line, the content, `---`. */
export function memoryEntry(at: Date, sessionId: string, role: string, model: string, content: string): string {
  return `## ${memoryTimestamp(at)} | ${field(sessionId.slice(0, 16))} | ${field(role)} | ${field(model)}\n\n${sanitize(content)}\n\n---\n\n`;
}

/** The value the Redis list writer pushes: the entry's header without the session id, then the content. */
export function memoryListValue(at: Date, role: string, model: string, content: string): string {
  return `## ${memoryTimestamp(at)} | ${field(role)} | ${field(model)}\n\n${sanitize(content)}`;
}

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'x-api-key', 'api-key', 'x-goog-api-key', 'cookie', 'set-cookie']);
const SECRET_PARTS = ['key', 'token', 'secret', 'auth'];

/** Whether a header may carry a credential, and so never reaches memory. */
export function isSecretHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return SECRET_HEADERS.has(lower) || SECRET_PARTS.some((part) => lower.includes(part));
}

const BINARY_TYPES = /^(image|audio|video)\/|^application\/octet-stream$/;

function isBinaryType(contentType: string | undefined): boolean {
  const media = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return BINARY_TYPES.test(media);
}

/** The body as memory shows it: `(empty)`, `[binary, N bytes]`, or the text cut at 512 KB with a note. */
export function formatBodyForMemory(body: Buffer | string | undefined, contentType?: string): string {
  const bytes = body === undefined ? Buffer.alloc(0) : typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  if (bytes.length === 0) return '(empty)';
  if (isBinaryType(contentType) || (typeof body !== 'string' && !isUtf8(bytes))) return `[binary, ${bytes.length} bytes]`;
  if (bytes.length <= MEMORY_BODY_LIMIT) return typeof body === 'string' ? body : bytes.toString('utf8');
  // Cut on a character boundary: back off continuation bytes (10xxxxxx).
  let end = MEMORY_BODY_LIMIT;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return `${bytes.subarray(0, end).toString('utf8')}\n[truncated, ${bytes.length} bytes total]`;
}

export interface HttpForMemory {
  readonly contentType: string | undefined;
  readonly headersLabel: 'Request-Headers' | 'Response-Headers';
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: Buffer | string | undefined;
}

/**
 * A request or buffered response as memory records it:
 * `Content-Type: <type or (none)>`, `<label>:`, `  <Header>: <value>` per header (sorted, credentials left out),
 * a blank line, `Body:` and the body.
 */
export function formatHttpForMemory({ contentType, headersLabel, headers, body }: HttpForMemory): string {
  const lines = [`Content-Type: ${contentType || '(none)'}`, `${headersLabel}:`];
  const names = Object.keys(headers)
    .filter((name) => headers[name] !== undefined && !isSecretHeader(name))
    .sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0));
  for (const name of names) {
    const value = headers[name]!;
    lines.push(`  ${name}: ${typeof value === 'string' ? value : value.join(', ')}`);
  }
  return `${lines.join('\n')}\n\nBody:\n${formatBodyForMemory(body, contentType)}`;
}

/** A streamed response as memory records it: the SSE payloads in order (with `[DONE]`), then the assistant text. */
export function formatSseForMemory(payloads: readonly string[], assistantText: string, truncated: boolean): string {
  const events = payloads.length === 0 ? '(none captured)' : payloads.map((payload, i) => `${i + 1}. ${payload}`).join('\n');
  const note = truncated ? '\n[assistant content truncated for memory]\n' : '';
  return `[streaming sse]\n\nSSE events:\n${events}\n\nCaptured assistant text:\n${assistantText || '(none)'}${note}`;
}
