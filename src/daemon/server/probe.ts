// Is a Tokenomics proxy already answering on these ports? Used before starting a second one.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

function ping(url: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = send(`${url}/ping`, { timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(res.statusCode === 200 && body === '.'));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** The first URL where a proxy answers /ping, or undefined. */
export async function findRunningProxy(urls: readonly string[], timeoutMs = 500): Promise<string | undefined> {
  const answers = await Promise.all(urls.map((url) => ping(url, timeoutMs)));
  return urls[answers.indexOf(true)];
}

/** A URL for a listener: loopback names stay as they are, the wildcard address becomes localhost. */
export function listenerUrl(scheme: 'http' | 'https', bind: string, port: number): string {
  const host = bind === '0.0.0.0' || bind === '::' || bind === '' ? 'localhost' : bind.includes(':') ? `[${bind}]` : bind;
  return `${scheme}://${host}:${port}`;
}
