import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certPaths, loadTlsMaterial } from './certs.js';

describe('generated TLS certificates', () => {
  const root = mkdtempSync(join(tmpdir(), 'tokenomics-certs-'));
  const certDir = join(root, 'nested', 'certs');
  const settings = { enabled: true, auto_gen: true, cert_dir: certDir, cert_file: '', key_file: '' };
  let first: ReturnType<typeof loadTlsMaterial>;
  let ca: X509Certificate;
  let server: X509Certificate;

  beforeAll(() => {
    first = loadTlsMaterial(settings);
    const paths = certPaths(certDir);
    ca = new X509Certificate(readFileSync(paths.caCert));
    server = new X509Certificate(readFileSync(paths.serverCert));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('creates the four files, 0600, in a 0700 folder (nested folders created)', () => {
    expect(first.generated).toBe(true);
    for (const path of Object.values(certPaths(certDir))) expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(certDir).mode & 0o777).toBe(0o700);
  });

  it('makes a CA valid for about 10 years that is a CA', () => {
    expect(ca.ca).toBe(true);
    expect(ca.subject).toContain('CN=Tokenomics Root CA');
    expect(ca.subject).toContain('O=Tokenomics CA');
    const years = (Date.parse(ca.validTo) - Date.parse(ca.validFrom)) / (365 * 86_400_000);
    expect(years).toBeGreaterThan(9.9);
    expect(years).toBeLessThan(10.1);
  });

  it('makes a server certificate for localhost, 127.0.0.1 and ::1, valid about a year, signed by the CA', () => {
    expect(server.ca).toBe(false);
    expect(server.subject).toContain('CN=localhost');
    expect(server.subjectAltName).toContain('DNS:localhost');
    expect(server.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(server.subjectAltName).toMatch(/IP Address:(::1|0:0:0:0:0:0:0:1)/);
    expect(server.keyUsage).toContain('1.3.6.1.5.5.7.3.1'); // serverAuth
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.verify(ca.publicKey)).toBe(true);
    const days = (Date.parse(server.validTo) - Date.parse(server.validFrom)) / 86_400_000;
    expect(Math.round(days)).toBe(365);
  });

  it('reuses the files on the next start', () => {
    const before = readFileSync(certPaths(certDir).serverCert, 'utf8');
    const again = loadTlsMaterial(settings);
    expect(again.generated).toBe(false);
    expect(again.cert).toBe(before);
    expect(again.caFile).toBe(certPaths(certDir).caCert);
  });

  it('explains what to do when TLS has no certificate and auto_gen is off, or only half a pair', () => {
    expect(() => loadTlsMaterial({ ...settings, auto_gen: false, cert_dir: join(root, 'none') })).toThrow(/auto_gen is off/);
    expect(() => loadTlsMaterial({ ...settings, cert_file: join(root, 'x.crt') })).toThrow(/must be set together/);
    expect(() => loadTlsMaterial({ ...settings, cert_file: join(root, 'x.crt'), key_file: join(root, 'x.key') })).toThrow(/cannot read the TLS certificate .*ENOENT/);
  });
});
