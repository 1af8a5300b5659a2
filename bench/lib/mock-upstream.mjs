#!/usr/bin/env node
// Mock OpenAI upstream for the benchmarks: POST /v1/chat/completions answers a small `chat.completion`, or, with
// "stream": true, `chunks` SSE delta events `gapMs` apart (content "w0", "w1", …), a usage event when
// stream_options.include_usage asks for one, and [DONE]. Run as a process (`node bench/lib/mock-upstream.mjs
// [chunks] [gapMs]` prints {"port":n} on stdout once listening on 127.0.0.1), or import startMock().
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

export const COMPLETION = JSON.stringify({
  id: 'chatcmpl-bench', object: 'chat.completion', created: 0, model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 },
});

const chunk = (i) => `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":0,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"w${i}"},"finish_reason":null}]}\n\n`;

export function startMock({ chunks = 20, gapMs = 5, port = 0 } = {}) {
  const server = createServer((req, res) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', async () => {
      if (req.method === 'GET') return res.end('mock upstream');
      let body = {};
      try {
        body = JSON.parse(Buffer.concat(parts).toString() || '{}');
      } catch {}
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(COMPLETION) });
        return res.end(COMPLETION);
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (let i = 0; i < chunks; i++) {
        if (i > 0) await sleep(gapMs);
        res.write(chunk(i));
      }
      const finish = '{"index":0,"delta":{},"finish_reason":"stop"}';
      res.write(`data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":0,"model":"gpt-4o-mini","choices":[${finish}]}\n\n`);
      if (body.stream_options?.include_usage) {
        res.write(`data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":0,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":${chunks},"total_tokens":${10 + chunks}}}\n\n`);
      }
      res.end('data: [DONE]\n\n');
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = await startMock({ chunks: Number(process.argv[2] ?? 20), gapMs: Number(process.argv[3] ?? 5) });
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
