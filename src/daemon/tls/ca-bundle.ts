// One PEM file with the usual public roots plus the gateway's CA, for the variables that replace a tool's trust store
// instead of adding to it (SSL_CERT_FILE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE): a wrapped command then trusts the
// gateway and still reaches every other HTTPS site.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { writeFileAtomic } from '../fs-safe.js';

/** Writes `ca-bundle.pem` beside the CA (when missing or out of date) and returns its path. */
export function caBundle(caFile: string): string {
  const path = join(dirname(caFile), 'ca-bundle.pem');
  const content = `${[...rootCertificates, readFileSync(caFile, 'utf8').trim()].join('\n')}\n`;
  let current: string | undefined;
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    current = undefined;
  }
  if (current !== content) writeFileAtomic(path, content, 0o644);
  return path;
}
