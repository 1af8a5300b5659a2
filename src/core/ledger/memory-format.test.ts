import { describe, expect, it } from 'vitest';
import { MEMORY_BODY_LIMIT, formatBodyForMemory, formatHttpForMemory, formatSseForMemory, isSecretHeader, memoryEntry, memoryListValue, sanitize } from './memory-format.js';

const AT = new Date(Date.UTC(2026, 11, 4, 5, 46, 43, 789));
const HASH = 'aaaa1111bbbb2222cccc3333dddd4444eeee5555ffff6666aaaa1111bbbb2222';

describe('memoryEntry', () => {
  it('writes the reference format exactly', () => {
    expect(memoryEntry(AT, HASH, 'request', 'gpt-4o', 'hello\nworld')).toBe('## 2026-12-04T05:46:43Z | aaaa1111bbbb2222 | request | gpt-4o\n\nhello\nworld\n\n---\n\n');
  });

  it('keeps a short session id whole and sanitises the content', () => {
    expect(memoryEntry(AT, 'ab12cd34', 'event', '', 'a\u0000b')).toBe('## 2026-12-04T05:46:43Z | ab12cd34 | event | \n\na b\n\n---\n\n');
  });

  it('keeps the header on one line whatever the model name holds', () => {
    expect(memoryEntry(AT, HASH, 'request', 'evil\n## fake', 'x').split('\n')[0]).toBe('## 2026-12-04T05:46:43Z | aaaa1111bbbb2222 | request | evil ## fake');
  });

  it('gives the Redis list value without the session id', () => {
    expect(memoryListValue(AT, 'response', 'm', 'hi\u001b')).toBe('## 2026-12-04T05:46:43Z | response | m\n\nhi ');
  });
});

describe('sanitize', () => {
  it('turns control characters into spaces but keeps newlines, returns and tabs', () => {
    expect(sanitize('a\u0000b\u0007c\u001bd\u007fe\u001ff\n\r\tg')).toBe('a b c d e f\n\r\tg');
  });

  it('turns invalid UTF-8 into ? (the original test: hi\\x00\\xffx\\n\\x1b!)', () => {
    const bytes = Buffer.from([0x68, 0x69, 0x00, 0xff, 0x78, 0x0a, 0x1b, 0x21]);
    expect(sanitize(bytes.toString('utf8'))).toBe('hi ?x\n !');
  });

  it('turns lone surrogates into ? and keeps pairs', () => {
    expect(sanitize('a\uD800b\uDC00c\uD83D\uDE00')).toBe('a?b?c\uD83D\uDE00');
  });

  it('leaves ordinary text alone', () => {
    expect(sanitize('héllo — 日本 ✓')).toBe('héllo — 日本 ✓');
  });
});

describe('formatHttpForMemory', () => {
  it('lists the headers sorted, without credentials, then the body', () => {
    const text = formatHttpForMemory({
      contentType: 'application/json',
      headersLabel: 'Request-Headers',
      headers: {
        'user-agent': 'curl/8',
        Authorization: 'Bearer sk-secret',
        'x-api-key': 'sk-other',
        'content-type': 'application/json',
        accept: ['a', 'b'],
        cookie: 'session=1',
        'x-my-token': 't',
        'x-goog-api-key': 'g',
        'proxy-authorization': 'p',
        'x-client-secret': 's',
        absent: undefined,
      },
      body: '{"model":"gpt-4o"}',
    });
    expect(text).toBe(
      'Content-Type: application/json\nRequest-Headers:\n  accept: a, b\n  content-type: application/json\n  user-agent: curl/8\n\nBody:\n{"model":"gpt-4o"}',
    );
    expect(text).not.toContain('sk-secret');
    expect(text).not.toContain('sk-other');
  });

  it('says (none) and (empty) for a response without type or body', () => {
    expect(formatHttpForMemory({ contentType: undefined, headersLabel: 'Response-Headers', headers: {}, body: undefined })).toBe(
      'Content-Type: (none)\nResponse-Headers:\n\nBody:\n(empty)',
    );
  });

  it('knows the headers that carry credentials', () => {
    for (const name of ['Authorization', 'X-Api-Key', 'Api-Key', 'Set-Cookie', 'X-Auth-User', 'anthropic-api-key', 'X-Access-Token']) expect(isSecretHeader(name)).toBe(true);
    for (const name of ['content-type', 'user-agent', 'anthropic-version', 'accept']) expect(isSecretHeader(name)).toBe(false);
  });
});

describe('formatBodyForMemory', () => {
  it('shows binary bodies as their size', () => {
    expect(formatBodyForMemory(Buffer.from([0xff, 0xfe, 0x00]), 'application/json')).toBe('[binary, 3 bytes]');
    expect(formatBodyForMemory(Buffer.from('text'), 'image/png')).toBe('[binary, 4 bytes]');
    expect(formatBodyForMemory(Buffer.from('text'), 'Audio/mpeg; x=1')).toBe('[binary, 4 bytes]');
    expect(formatBodyForMemory('text', 'application/octet-stream')).toBe('[binary, 4 bytes]');
    expect(formatBodyForMemory(Buffer.from('text'), 'video/mp4')).toBe('[binary, 4 bytes]');
  });

  it('shows empty bodies as (empty)', () => {
    expect(formatBodyForMemory(Buffer.alloc(0))).toBe('(empty)');
    expect(formatBodyForMemory('')).toBe('(empty)');
  });

  it('cuts a long body at 512 KB on a character boundary, with a note', () => {
    const body = Buffer.from('a' + 'é'.repeat(MEMORY_BODY_LIMIT)); // 2-byte characters, offset by one byte
    const text = formatBodyForMemory(body, 'text/plain');
    const [kept, note] = text.split('\n');
    expect(note).toBe(`[truncated, ${body.length} bytes total]`);
    expect(Buffer.byteLength(kept!)).toBe(MEMORY_BODY_LIMIT - 1);
    expect(kept).not.toContain('\uFFFD');
    expect(formatBodyForMemory('x'.repeat(MEMORY_BODY_LIMIT))).toBe('x'.repeat(MEMORY_BODY_LIMIT));
  });
});

describe('formatSseForMemory', () => {
  it('lists the payloads in order, then the assistant text', () => {
    expect(formatSseForMemory(['{"a":1}', '[DONE]'], 'Hello world', false)).toBe(
      '[streaming sse]\n\nSSE events:\n1. {"a":1}\n2. [DONE]\n\nCaptured assistant text:\nHello world',
    );
  });

  it('says when nothing was captured and when the text was cut', () => {
    expect(formatSseForMemory([], '', true)).toBe(
      '[streaming sse]\n\nSSE events:\n(none captured)\n\nCaptured assistant text:\n(none)\n[assistant content truncated for memory]\n',
    );
  });
});
