#!/usr/bin/env node
// The floor of the proxy benchmark: the least a Node reverse proxy can do. Pipes every request to the upstream over a
// keep-alive agent and pipes the answer back (status, headers, body; streams flow as they come). No parsing, no
// policy, no logging. Usage: node bench/floor-proxy.mjs <port> <upstream-url>
import { Agent, createServer, request } from 'node:http';

const [port, upstream] = [Number(process.argv[2]), new URL(process.argv[3])];
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

const server = createServer((req, res) => {
  const headers = { ...req.headers, host: upstream.host };
  const out = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers, agent }, (answer) => {
    res.writeHead(answer.statusCode, answer.headers);
    answer.pipe(res);
  });
  out.on('error', () => res.headersSent ? res.destroy() : res.writeHead(502).end());
  req.pipe(out);
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
