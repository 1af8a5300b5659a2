// TLS material for the HTTPS listener: the user's own cert/key, or a local CA (10 years) and a server
// certificate for localhost, 127.0.0.1 and ::1 (1 year), generated once under cert_dir and reused.
// RSA keys come from Node's crypto (native, fast); node-forge only builds the X.509 structures.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type forgeModule from 'node-forge';
import { TlsError } from '../errors.js';
import { ensurePrivateDir, writeFileAtomic } from '../fs-safe.js';

export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  /** The CA that signed the server certificate, when we generated it (what NODE_EXTRA_CA_CERTS should point at). */
  readonly caFile?: string;
  readonly generated: boolean;
}

export interface TlsSettings {
  readonly enabled: boolean;
  readonly auto_gen: boolean;
  readonly cert_dir: string;
  readonly cert_file: string;
  readonly key_file: string;
}

export function certPaths(certDir: string) {
  return {
    caCert: join(certDir, 'ca.crt'),
    caKey: join(certDir, 'ca.key'),
    serverCert: join(certDir, 'server.crt'),
    serverKey: join(certDir, 'server.key'),
  };
}

function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new TlsError(`cannot read the TLS ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export function loadTlsMaterial(tls: TlsSettings): TlsMaterial {
  if (tls.cert_file || tls.key_file) {
    if (!tls.cert_file || !tls.key_file) {
      throw new TlsError('server.tls.cert_file and server.tls.key_file must be set together');
    }
    return { cert: readPem(tls.cert_file, 'certificate'), key: readPem(tls.key_file, 'key'), generated: false };
  }
  if (!tls.auto_gen) {
    throw new TlsError('TLS is enabled but no cert_file/key_file is set and auto_gen is off; set one of them, or disable server.tls.enabled');
  }
  const paths = certPaths(tls.cert_dir);
  const generated = !(existsSync(paths.serverCert) && existsSync(paths.serverKey) && existsSync(paths.caCert));
  if (generated) generateCertificates(tls.cert_dir);
  return {
    cert: readPem(paths.serverCert, 'certificate'),
    key: readPem(paths.serverKey, 'key'),
    caFile: paths.caCert,
    generated,
  };
}

/** node-forge, loaded when certificates are made: commands that only need their paths start faster without it. */
const loadForge = (): typeof forgeModule => createRequire(import.meta.url)('node-forge') as typeof forgeModule;

function rsaKeys(forge: typeof forgeModule): { publicKey: forgeModule.pki.PublicKey; privateKey: forgeModule.pki.PrivateKey; pem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKey: forge.pki.publicKeyFromPem(publicKey), privateKey: forge.pki.privateKeyFromPem(privateKey), pem: privateKey };
}

function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f; // positive
  return bytes.toString('hex');
}

function validity(cert: forgeModule.pki.Certificate, days: number): void {
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + days * 86_400_000);
}

/** Writes ca.crt, ca.key, server.crt and server.key (all 0600) into certDir (0700). */
export function generateCertificates(certDir: string): void {
  ensurePrivateDir(certDir);
  const paths = certPaths(certDir);

  const forge = loadForge();
  const caKeys = rsaKeys(forge);
  const ca = forge.pki.createCertificate();
  ca.publicKey = caKeys.publicKey;
  ca.serialNumber = serial();
  validity(ca, 3650);
  const caSubject = [
    { name: 'organizationName', value: 'Tokenomics CA' },
    { name: 'commonName', value: 'Tokenomics Root CA' },
  ];
  ca.setSubject(caSubject);
  ca.setIssuer(caSubject);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 1, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey as forgeModule.pki.rsa.PrivateKey, forge.md.sha256.create());

  const serverKeys = rsaKeys(forge);
  const server = forge.pki.createCertificate();
  server.publicKey = serverKeys.publicKey;
  server.serialNumber = serial();
  validity(server, 365);
  server.setSubject([
    { name: 'organizationName', value: 'Tokenomics' },
    { name: 'commonName', value: 'localhost' },
  ]);
  server.setIssuer(caSubject);
  server.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
      ],
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  server.sign(caKeys.privateKey as forgeModule.pki.rsa.PrivateKey, forge.md.sha256.create());

  writeFileAtomic(paths.caKey, caKeys.pem);
  writeFileAtomic(paths.caCert, forge.pki.certificateToPem(ca));
  writeFileAtomic(paths.serverKey, serverKeys.pem);
  writeFileAtomic(paths.serverCert, forge.pki.certificateToPem(server));
}
