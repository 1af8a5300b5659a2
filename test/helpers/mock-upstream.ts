// A local stand-in for the providers: speaks the OpenAI chat, OpenAI Responses and Anthropic messages wire
// formats (streaming and not), records what it received, and misbehaves on request.
//
// Faults are chosen per request with the `x-mock-fault` header (the proxy forwards client headers):
//   status-500        answer 500 with an OpenAI-style error body
//   invalid-json      answer 200 with a body that is not JSON
//   reset-before      destroy the socket before sending headers
//   reset-mid-stream  send two stream events, then destroy the socket
//   hang              never answer
//   slow-drip         answer normally, but write the body a few bytes at a time (`x-mock-drip-bytes`, default 8)
//                     with `x-mock-chunk-delay` between writes
//   invalid-sse       answer 200 text/event-stream with events that are not JSON, a bare field line and binary noise
//   huge-body         answer 200 application/json with a body of `x-mock-size` bytes (default 1 GiB) that never closes
//                     its JSON; written with backpressure, stopped when the reader goes away
//   huge-stream       answer 200 text/event-stream with one `data:` line of `x-mock-size` bytes and no blank line
// `x-mock-chunk-delay` sets the pause between stream events in ms (default 20).
// `x-mock-words` (a JSON array of strings) replaces the answer's text pieces: one stream delta each, joined when not streaming.
// `x-mock-statuses` (e.g. `503,503,200`) with `x-mock-sequence` (any id): the n-th request of that sequence answers
//   the n-th status (the last one repeats); 200 answers normally, others with an OpenAI-style error body.
// `x-mock-fail-models` (comma-separated): requests for these models answer 503.
// `x-mock-retry-after` is sent as Retry-After on the error answers above.
// `x-mock-tool-call: <name>` makes chat and messages streams say a short text, then call that tool with the arguments
//   {"city":"Paris","days":3}, streamed in three argument fragments.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly json?: Record<string, unknown>;
}

export interface MockUpstream {
  readonly url: string;
  readonly port: number;
  readonly requests: ReceivedRequest[];
  /** performance.now()-style timestamps (Date.now()) of each stream event the mock wrote, per request index. */
  readonly sentAt: number[][];
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const MOCK_USAGE = { prompt_tokens: 11, completion_tokens: 7, cached: 3, reasoning: 2 } as const;

function openAiChat(model: string, text = 'Hello from the mock.') {
  return {
    id: 'chatcmpl-mock',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop', logprobs: null }],
    usage: {
      prompt_tokens: MOCK_USAGE.prompt_tokens,
      completion_tokens: MOCK_USAGE.completion_tokens,
      total_tokens: MOCK_USAGE.prompt_tokens + MOCK_USAGE.completion_tokens,
      prompt_tokens_details: { cached_tokens: MOCK_USAGE.cached },
      completion_tokens_details: { reasoning_tokens: MOCK_USAGE.reasoning },
    },
  };
}

function chatChunks(model: string, words: string[], includeUsage: boolean): string[] {
  const base = { id: 'chatcmpl-mock', object: 'chat.completion.chunk', created: 1_700_000_000, model };
  const usageField = includeUsage ? { usage: null } : {};
  const events = [
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], ...usageField },
    ...words.map((w) => ({ ...base, choices: [{ index: 0, delta: { content: w }, finish_reason: null }], ...usageField })),
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], ...usageField },
  ].map((e) => `data: ${JSON.stringify(e)}\n\n`);
  if (includeUsage) {
    events.push(`data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: MOCK_USAGE.prompt_tokens, completion_tokens: MOCK_USAGE.completion_tokens, total_tokens: MOCK_USAGE.prompt_tokens + MOCK_USAGE.completion_tokens } })}\n\n`);
  }
  events.push('data: [DONE]\n\n');
  return events;
}

function responsesBody(model: string, text = 'Hello from the mock.') {
  return {
    id: 'resp_mock',
    object: 'response',
    created_at: 1_700_000_000,
    status: 'completed',
    model,
    output: [{ type: 'message', id: 'msg_mock', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] }],
    usage: {
      input_tokens: MOCK_USAGE.prompt_tokens,
      input_tokens_details: { cached_tokens: MOCK_USAGE.cached },
      output_tokens: MOCK_USAGE.completion_tokens,
      output_tokens_details: { reasoning_tokens: MOCK_USAGE.reasoning },
      total_tokens: MOCK_USAGE.prompt_tokens + MOCK_USAGE.completion_tokens,
    },
  };
}

function responsesEvents(model: string, words: string[]): string[] {
  const done = responsesBody(model, words.join(''));
  const created = { ...done, status: 'in_progress', output: [], usage: null };
  const events: Array<[string, unknown]> = [
    ['response.created', { type: 'response.created', sequence_number: 0, response: created }],
    ...words.map((w, i): [string, unknown] => ['response.output_text.delta', { type: 'response.output_text.delta', sequence_number: i + 1, item_id: 'msg_mock', output_index: 0, content_index: 0, delta: w }]),
    ['response.completed', { type: 'response.completed', sequence_number: words.length + 1, response: done }],
  ];
  return events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
}

function anthropicBody(model: string, text = 'Hello from the mock.') {
  return {
    id: 'msg_mock',
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 5, cache_read_input_tokens: 4, cache_creation_input_tokens: 2, output_tokens: MOCK_USAGE.completion_tokens },
  };
}

function anthropicEvents(model: string, words: string[]): string[] {
  const start = { ...anthropicBody(model), content: [], stop_reason: null, usage: { input_tokens: 5, cache_read_input_tokens: 4, cache_creation_input_tokens: 2, output_tokens: 1 } };
  const events: Array<[string, unknown]> = [
    ['message_start', { type: 'message_start', message: start }],
    ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
    ['ping', { type: 'ping' }],
    ...words.map((w): [string, unknown] => ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: w } }]),
    ['content_block_stop', { type: 'content_block_stop', index: 0 }],
    ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: MOCK_USAGE.completion_tokens } }],
    ['message_stop', { type: 'message_stop' }],
  ];
  return events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
}

const WORDS = ['Hello', ' from', ' the', ' mock', '.'];

/** The tool call's arguments, in the fragments the streams send them in. */
export const TOOL_ARGUMENT_PARTS = ['{"city":', '"Paris",', '"days":3}'];

function chatToolChunks(model: string, tool: string): string[] {
  const base = { id: 'chatcmpl-mock-tool', object: 'chat.completion.chunk', created: 1_700_000_000, model };
  const call = (delta: object) => ({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, ...delta }] }, finish_reason: null }] });
  const events = [
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: 'Checking.' }, finish_reason: null }] },
    call({ id: 'call_mock_1', type: 'function', function: { name: tool, arguments: '' } }),
    ...TOOL_ARGUMENT_PARTS.map((part) => call({ function: { arguments: part } })),
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
    { ...base, choices: [], usage: { prompt_tokens: MOCK_USAGE.prompt_tokens, completion_tokens: MOCK_USAGE.completion_tokens, total_tokens: MOCK_USAGE.prompt_tokens + MOCK_USAGE.completion_tokens } },
  ];
  return [...events.map((e) => `data: ${JSON.stringify(e)}\n\n`), 'data: [DONE]\n\n'];
}

function anthropicToolEvents(model: string, tool: string): string[] {
  const start = { ...anthropicBody(model), content: [], stop_reason: null, usage: { input_tokens: 5, cache_read_input_tokens: 4, cache_creation_input_tokens: 2, output_tokens: 1 } };
  const events: Array<[string, unknown]> = [
    ['message_start', { type: 'message_start', message: start }],
    ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
    ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Checking.' } }],
    ['content_block_stop', { type: 'content_block_stop', index: 0 }],
    ['content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_mock_1', name: tool, input: {} } }],
    ...TOOL_ARGUMENT_PARTS.map((part): [string, unknown] => ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: part } }]),
    ['content_block_stop', { type: 'content_block_stop', index: 1 }],
    ['message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: MOCK_USAGE.completion_tokens } }],
    ['message_stop', { type: 'message_stop' }],
  ];
  return events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** Writes `total` bytes of `fill` after `head`, honouring backpressure; stops when the reader goes away. */
async function writeHuge(res: ServerResponse, head: string, fill: number, total: number): Promise<void> {
  const piece = Buffer.alloc(1024 * 1024, fill);
  res.write(head);
  let written = head.length;
  while (written < total && !res.destroyed) {
    const part = total - written < piece.length ? piece.subarray(0, total - written) : piece;
    written += part.length;
    if (!res.write(part)) {
      await new Promise<void>((resolve) => {
        const done = () => (res.off('drain', done), res.off('close', done), resolve());
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  if (!res.destroyed) res.end();
}

/** Sends `text` in pieces of `size` bytes with `delayMs` between them. */
async function drip(res: ServerResponse, text: string, size: number, delayMs: number): Promise<void> {
  for (let i = 0; i < text.length && !res.destroyed; i += size) {
    res.write(text.slice(i, i + size));
    await sleep(delayMs);
  }
  if (!res.destroyed) res.end();
}

const INVALID_SSE = [
  'data: this is not json\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":\n\n',
  'retry: banana\nid\n: a comment\n\n',
  'data: {"choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n',
  'data: \u0000\u00ff\ufffd garbage\n\n',
  'data: [DONE]\n\n',
];

async function stream(res: ServerResponse, events: string[], delayMs: number, sent: number[], fault: string): Promise<void> {
  if (!res.headersSent) res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-request-id': 'req_mock_stream' });
  const dripping = DRIPS.get(res);
  if (dripping) return drip(res, events.join(''), dripping.size, dripping.delayMs);
  for (const [i, event] of events.entries()) {
    if (res.destroyed) return;
    if (fault === 'reset-mid-stream' && i === 2) {
      res.socket?.destroy();
      return;
    }
    res.write(event);
    sent.push(Date.now());
    if (i < events.length - 1) await sleep(delayMs);
  }
  res.end();
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  const dripping = DRIPS.get(res);
  if (dripping) return void drip(res, text, dripping.size, dripping.delayMs);
  res.end(text);
}

/** Responses the `slow-drip` fault applies to, with its piece size and pause. */
const DRIPS = new WeakMap<ServerResponse, { size: number; delayMs: number }>();

function wordsFrom(header: string | string[] | undefined): string[] {
  if (typeof header !== 'string') return WORDS;
  const words: unknown = JSON.parse(header);
  return Array.isArray(words) && words.every((w) => typeof w === 'string') ? words : WORDS;
}

export async function startMockUpstream(): Promise<MockUpstream> {
  const requests: ReceivedRequest[] = [];
  const sequences = new Map<string, number>();
  /** The status a sequenced or model-failing request is told to answer, or 200. */
  const scriptedStatus = (req: IncomingMessage, model: string): number => {
    const failing = String(req.headers['x-mock-fail-models'] ?? '').split(',').filter(Boolean);
    if (failing.includes(model)) return 503;
    const statuses = String(req.headers['x-mock-statuses'] ?? '').split(',').filter(Boolean).map(Number);
    if (!statuses.length) return 200;
    const id = String(req.headers['x-mock-sequence'] ?? '');
    const n = sequences.get(id) ?? 0;
    sequences.set(id, n + 1);
    return statuses[Math.min(n, statuses.length - 1)]!;
  };
  const sentAt: number[][] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let parsed: Record<string, unknown> | undefined;
      try {
        parsed = body ? (JSON.parse(body) as Record<string, unknown>) : undefined;
      } catch {
        parsed = undefined;
      }
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, json: parsed });
      const sent: number[] = [];
      sentAt.push(sent);
      const fault = String(req.headers['x-mock-fault'] ?? '');
      const delay = Number(req.headers['x-mock-chunk-delay'] ?? 20);
      const model = typeof parsed?.model === 'string' ? parsed.model : 'mock-model';
      const path = (req.url ?? '').split('?')[0]!;
      if (fault === 'hang') return;
      if (fault === 'slow-drip') DRIPS.set(res, { size: Number(req.headers['x-mock-drip-bytes'] ?? 8), delayMs: delay });
      if (fault === 'reset-before') return void req.socket.destroy();
      if (fault === 'status-500') return json(res, 500, { error: { message: 'mock upstream exploded', type: 'server_error', code: null } });
      if (fault === 'huge-body' || fault === 'huge-stream') {
        const size = Number(req.headers['x-mock-size'] ?? 1024 ** 3);
        const sse = fault === 'huge-stream';
        res.writeHead(200, { 'content-type': sse ? 'text/event-stream' : 'application/json' });
        return void writeHuge(res, sse ? 'data: ' : '{"id":"chatcmpl-huge","pad":"', 0x61, size);
      }
      if (fault === 'invalid-sse') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        return void stream(res, INVALID_SSE, delay, sent, '').then(() => undefined);
      }
      if (fault === 'invalid-json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end('{"id": "chatcmpl-mock", "choices": [ this is not json');
      }
      const status = scriptedStatus(req, model);
      if (status !== 200) {
        const retryAfter = req.headers['x-mock-retry-after'];
        const headers: Record<string, string> = typeof retryAfter === 'string' ? { 'retry-after': retryAfter } : {};
        return json(res, status, { error: { message: `mock upstream answered ${status} for ${model}`, type: 'server_error', code: 'mock_scripted' } }, headers);
      }
      const words = wordsFrom(req.headers['x-mock-words']);
      const streaming = parsed?.stream === true;
      const tool = req.headers['x-mock-tool-call'];
      if (typeof tool === 'string' && streaming && path.endsWith('/chat/completions')) return void stream(res, chatToolChunks(model, tool), delay, sent, fault);
      if (typeof tool === 'string' && streaming && path.endsWith('/messages')) return void stream(res, anthropicToolEvents(model, tool), delay, sent, fault);
      if (path.endsWith('/chat/completions')) {
        if (!streaming) return json(res, 200, openAiChat(model, words.join('')), { 'x-request-id': 'req_mock_1', 'x-ratelimit-remaining-requests': '99' });
        const options = parsed?.stream_options as { include_usage?: boolean } | undefined;
        return void stream(res, chatChunks(model, words, options?.include_usage === true), delay, sent, fault);
      }
      if (path.endsWith('/responses')) {
        if (!streaming) return json(res, 200, responsesBody(model, words.join('')));
        return void stream(res, responsesEvents(model, words), delay, sent, fault);
      }
      if (path.endsWith('/messages')) {
        if (!streaming) return json(res, 200, anthropicBody(model, words.join('')), { 'request-id': 'req_mock_anthropic' });
        return void stream(res, anthropicEvents(model, words), delay, sent, fault);
      }
      if (path.endsWith('/models')) return json(res, 200, { object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model', created: 0, owned_by: 'mock' }] });
      if (path.endsWith('/embeddings')) {
        return json(res, 200, { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }], model, usage: { prompt_tokens: 4, total_tokens: 4 } });
      }
      json(res, 404, { error: { message: `mock upstream has no route ${req.method} ${path}`, type: 'invalid_request_error' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    sentAt,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
