// `tokenomics doctor`: what would stop this installation from working, checked one thing at a time. Each check
// says what it found and, when something is wrong, what to do next. Nothing here generates keys, creates the
// database or removes files; an existing database is opened for a moment (LevelDB tells who holds it only that way),
// a probe file goes into the ledger directory and out again, and when no keys exist yet the keychain does its own
// write + read + delete probe.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { ConfigError, type FlagValue } from '../../core/config/resolve.js';
import type { Config } from '../../core/config/types.js';
import type { ProviderCatalog } from '../../core/providers/catalog.js';
import { loadConfig, type LoadedConfig } from '../config/load-config.js';
import { ControlClient } from '../control/client.js';
import { processAlive, readState, stateFilePath, type DaemonState } from '../control/state-file.js';
import { openKeychain } from '../keys/keychain.js';
import { describeKeySources, inspectKeys, keyFilePath, loadKeys, type KeyInspection } from '../keys/keys.js';
import { findRunningProxy, listenerUrl } from '../server/probe.js';
import { StoreLockedError, TokenStore } from '../store/token-store.js';
import { certPaths } from '../tls/certs.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface Check {
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
}

export interface DoctorOptions {
  /** `--config`. */
  readonly configPath?: string;
  /** `--dir`, `--db` as configuration flags. */
  readonly flags?: readonly FlagValue[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly home?: string;
}

export interface DoctorReport {
  readonly checks: Check[];
  /** The configuration could not be loaded: the later checks did not run. */
  readonly configFailed: boolean;
}

/** A server certificate closer than this to its end gets a warning. */
const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

const ok = (name: string, detail: string): Check => ({ name, status: 'ok', detail });
const warn = (name: string, detail: string): Check => ({ name, status: 'warn', detail });
const fail = (name: string, detail: string): Check => ({ name, status: 'fail', detail });

function errorText(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
}

/** The closest existing directory at or above `path`. */
function nearestExisting(path: string): string {
  let current = resolve(path);
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The daemon of this {dir}, as far as daemon.json and its control API tell. */
interface DaemonInfo {
  readonly stateFile: string;
  readonly fileExists: boolean;
  readonly state?: DaemonState;
  readonly alive: boolean;
  /** The control API answered with the recorded pid: it really is our daemon. */
  readonly answering: boolean;
}

async function inspectDaemon(dir: string): Promise<DaemonInfo> {
  const stateFile = stateFilePath(dir);
  const state = readState(dir);
  const alive = state ? processAlive(state.pid) : false;
  const status = state && alive ? await new ControlClient(state).status().catch(() => undefined) : undefined;
  return { stateFile, fileExists: existsSync(stateFile), state, alive, answering: status?.pid === state?.pid && status !== undefined };
}

function configFileCheck(options: DoctorOptions, cwd: string, home: string): Check {
  const name = 'config file';
  if (options.configPath) {
    const path = resolve(cwd, options.configPath);
    return existsSync(path) ? ok(name, `found ${path}`) : fail(name, `${path} not found (given with --config); check the path`);
  }
  const candidates = [join(cwd, 'config.yaml'), join(home, '.tokenomics', 'config.yaml')];
  const found = candidates.find((p) => existsSync(p));
  if (found) return ok(name, `found ${found}`);
  return ok(name, `none (looked for ${candidates.join(' and ')}): defaults and TOKENOMICS_* variables apply`);
}

async function databaseCheck(config: Config, daemon: DaemonInfo, keys: KeyInspection, env: NodeJS.ProcessEnv): Promise<Check> {
  const name = 'database';
  const path = config.storage.db_path;
  if (daemon.answering && daemon.state && resolve(daemon.state.db_path) === resolve(path)) {
    return ok(name, `${path} (open in the running daemon, PID ${daemon.state.pid})`);
  }
  if (!existsSync(path)) {
    const parent = dirname(path);
    const ancestor = nearestExisting(parent);
    if (!writable(ancestor)) return fail(name, `cannot create ${path}: ${ancestor} is not a writable directory; fix its permissions or choose another storage.db_path (--db)`);
    // TokenStore.open creates the missing directories too, so a missing parent is no failure (the original's was).
    const created = ancestor === resolve(parent) ? '' : `, with ${parent}`;
    return ok(name, `${path} does not exist yet (created on first start${created})`);
  }
  if (!statSync(path).isDirectory()) {
    return fail(name, `${path} is not a directory (the token database is a LevelDB directory); move the file away or fix storage.db_path`);
  }
  if (!existsSync(join(path, 'CURRENT'))) return ok(name, `${path} is empty (initialised on first start)`);
  // Opening it is the only way to learn whether another process holds it (LevelDB admits one). With every key in
  // place (nothing to generate), open it as the daemon would, which also tells whether the keys are the right ones.
  if (!keys.problem && keys.hashSource && keys.encryptionSource) {
    let store: TokenStore;
    try {
      store = await TokenStore.open(path, await loadKeys(config, env));
    } catch (err) {
      if (err instanceof StoreLockedError) return fail(name, lockedText(path));
      return fail(name, (err as Error).message);
    }
    try {
      return ok(name, `found ${path} (${await store.count()} token(s); the keys match)`);
    } finally {
      await store.close();
    }
  }
  const db = new ClassicLevel(path, { createIfMissing: false });
  try {
    await db.open();
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code === 'LEVEL_LOCKED') return fail(name, lockedText(path));
    return fail(name, `cannot open ${path}: ${cause?.message ?? (err as Error).message}`);
  }
  await db.close();
  return ok(name, `found ${path}`);
}

function lockedText(path: string): string {
  return `${path} is held by another process that is not this --dir's running daemon (a daemon started with other settings, a token command still running?); stop it, then try again`;
}

async function keyBackendCheck(config: Config, env: NodeJS.ProcessEnv, inspection: KeyInspection): Promise<Check> {
  const name = 'key backend';
  if (inspection.problem) return fail(name, inspection.problem);
  const sources = [inspection.hashSource, inspection.encryptionSource];
  const described = describeKeySources(inspection.hashSource, inspection.encryptionSource).replace(/^keys: /, '');
  const file = keyFilePath(config.dir);
  const avoidFile = `set $${config.security.hash_key_env} and $${config.security.encryption_key_env}, or run a Secret Service, to avoid a key file`;
  if (sources.some((s) => s?.kind === 'file')) {
    return warn(name, `${described}: a plain 0600 file, not the OS keychain (keep a backup; whoever reads it can forge tokens)`);
  }
  if (sources.every((s) => s !== undefined)) return ok(name, described);
  // A key does not exist yet: say where loadKeys will put it on first use.
  const pending = sources.every((s) => s === undefined) ? 'keys not created yet; generated on first use' : `${described}; generated on first use`;
  if (!config.security.keychain) return warn(name, `${pending} into the file ${file} (security.keychain is false)`);
  const keychain = await openKeychain(env, 'hash-key');
  if ('store' in keychain) return ok(name, `${pending} in the OS keychain (${keychain.store.name})`);
  return warn(name, `${pending} into the file ${file}: no usable OS keychain (${keychain.unavailable}); ${avoidFile}`);
}

function providerKeysCheck(config: Config, catalog: ProviderCatalog, env: NodeJS.ProcessEnv): Check {
  const name = 'provider keys';
  if (!catalog.size) return warn(name, 'no providers configured');
  const withKey: string[] = [];
  const keyless: string[] = [];
  const missing: string[] = [];
  for (const [provider, def] of catalog) {
    if (!def.api_key_env) keyless.push(provider);
    else if (env[def.api_key_env]) withKey.push(provider);
    else missing.push(provider);
  }
  const parts = [`${withKey.length} configured${withKey.length ? ` (${withKey.join(', ')})` : ''}`];
  if (keyless.length) parts.push(`${keyless.length} need no key (${keyless.join(', ')})`);
  parts.push(`${missing.length} without a key`);
  const summary = parts.join(', ');
  const defaultDef = config.default_provider ? catalog.get(config.default_provider.toLowerCase()) : undefined;
  if (config.default_provider && !defaultDef) {
    return warn(name, `${summary}; default_provider "${config.default_provider}" is not in the catalog, so requests without a provider go to server.upstream_url without a key ('tokenomics provider list' shows the catalog)`);
  }
  if (defaultDef?.api_key_env && !env[defaultDef.api_key_env]) {
    return warn(name, `${summary}; $${defaultDef.api_key_env} of the default provider ${config.default_provider} is not set`);
  }
  if (!withKey.length) {
    return warn(name, `${summary}; set the key variable of the provider you use (e.g. OPENAI_API_KEY, ANTHROPIC_API_KEY; 'tokenomics provider list' shows them all)`);
  }
  return ok(name, summary);
}

interface CertInfo {
  readonly cert: X509Certificate;
  readonly expires: Date;
}

function readCert(path: string): CertInfo {
  const cert = new X509Certificate(readFileSync(path));
  return { cert, expires: new Date(cert.validTo) };
}

const day = (date: Date) => date.toISOString().slice(0, 10);

/** fail when expired, warn when it ends within 30 days, else undefined. */
function expiryProblem(what: string, info: CertInfo, now: number, renew: string): Check | undefined {
  if (info.expires.getTime() <= now) return fail('tls', `${what} expired on ${day(info.expires)}; ${renew}`);
  if (info.expires.getTime() - now < EXPIRY_WARNING_DAYS * DAY_MS) {
    return warn('tls', `${what} expires on ${day(info.expires)}, in less than ${EXPIRY_WARNING_DAYS} days; ${renew}`);
  }
  return undefined;
}

function tlsCheck(config: Config, now = Date.now()): Check {
  const name = 'tls';
  const tls = config.server.tls;
  if (!tls.enabled) return warn(name, 'TLS is disabled (server.tls.enabled: false): only the HTTP listener runs');
  if (tls.cert_file || tls.key_file) {
    const problems: string[] = [];
    let info: CertInfo | undefined;
    try {
      info = readCert(tls.cert_file);
    } catch (err) {
      problems.push(`cert ${tls.cert_file}: ${err instanceof Error && !(err as NodeJS.ErrnoException).code ? 'not a PEM certificate' : errorText(err)}`);
    }
    let keyPem: Buffer | undefined;
    try {
      keyPem = readFileSync(tls.key_file);
    } catch (err) {
      problems.push(`key ${tls.key_file}: ${errorText(err)}`);
    }
    if (problems.length) return fail(name, `${problems.join(', ')}; fix server.tls.cert_file / key_file`);
    if (!keyMatches(info!, keyPem!)) return fail(name, `${tls.key_file} is not the private key of ${tls.cert_file}; fix server.tls.key_file`);
    const problem = expiryProblem(`certificate ${tls.cert_file}`, info!, now, 'replace it with a renewed one');
    return problem ?? ok(name, `cert=${tls.cert_file} key=${tls.key_file} (expires ${day(info!.expires)})`);
  }
  if (!tls.auto_gen) return fail(name, 'TLS is enabled but no cert_file/key_file is set and auto_gen is off; set them, turn server.tls.auto_gen on, or disable server.tls.enabled');
  const paths = certPaths(tls.cert_dir);
  const present = [paths.caCert, paths.serverCert, paths.serverKey].filter((p) => existsSync(p));
  if (!present.length) return ok(name, `auto_gen: a CA and server certificate will be created in ${tls.cert_dir} on first start`);
  if (present.length < 3) {
    return warn(name, `incomplete certificates in ${tls.cert_dir}: new ones (with a new CA) will be generated on next start; clients must then trust the new ca.crt`);
  }
  const renew = `delete ${tls.cert_dir} and restart the proxy to generate new certificates (clients must then trust the new ca.crt)`;
  let ca: CertInfo;
  let server: CertInfo;
  try {
    ca = readCert(paths.caCert);
    server = readCert(paths.serverCert);
  } catch (err) {
    return fail(name, `cannot read the generated certificates in ${tls.cert_dir} (${errorText(err)}); ${renew}`);
  }
  let keyOk = false;
  try {
    keyOk = keyMatches(server, readFileSync(paths.serverKey));
  } catch {
    keyOk = false;
  }
  if (!keyOk) return fail(name, `${paths.serverKey} is not the private key of ${paths.serverCert}; ${renew}`);
  if (!server.cert.checkIssued(ca.cert)) return fail(name, `${paths.serverCert} was not issued by ${paths.caCert}; ${renew}`);
  const problem = expiryProblem(`the server certificate ${paths.serverCert}`, server, now, renew) ?? expiryProblem(`the CA ${paths.caCert}`, ca, now, renew);
  return problem ?? ok(name, `generated CA (expires ${day(ca.expires)}) and server certificate (expires ${day(server.expires)}) in ${tls.cert_dir}`);
}

function keyMatches(info: CertInfo, keyPem: Buffer): boolean {
  try {
    return info.cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

/** undefined when the port can be listened on, else the error code. */
function tryListen(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolveListen) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolveListen(err.code ?? err.message));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolveListen(undefined)));
  });
}

async function portCheck(scheme: 'http' | 'https', config: Config, daemon: DaemonInfo): Promise<Check> {
  const name = `${scheme} port`;
  const { bind } = config.server;
  const port = scheme === 'http' ? config.server.http_port : config.server.https_port;
  const setting = `server.${scheme}_port`;
  const where = `${bind}:${port}`;
  const ours = daemon.answering ? (scheme === 'http' ? daemon.state?.http_url : daemon.state?.https_url) : undefined;
  if (ours && new URL(ours).port === String(port)) return ok(name, `${where} in use by this proxy (PID ${daemon.state!.pid})`);
  const error = await tryListen(bind, port);
  if (!error) return ok(name, `${where} free`);
  if (error === 'EADDRINUSE') {
    const url = listenerUrl(scheme, bind, port);
    const proxy = await findRunningProxy([url]);
    if (proxy) {
      return fail(name, `port ${port} on ${bind} is in use by another Tokenomics proxy (${proxy}) that is not this --dir's; stop it or choose another port (${setting})`);
    }
    return fail(name, `port ${port} on ${bind} is in use by another program; free it or choose another port (${setting})`);
  }
  if (error === 'EACCES') return fail(name, `not allowed to listen on ${where}; choose a port above 1023 (${setting})`);
  if (error === 'EADDRNOTAVAIL') return fail(name, `cannot listen on ${bind}: no such address on this machine (check server.bind)`);
  return fail(name, `cannot listen on ${where}: ${error}`);
}

function proxyStatusCheck(daemon: DaemonInfo): Check {
  const name = 'proxy status';
  if (!daemon.state) {
    if (daemon.fileExists) return warn(name, `${daemon.stateFile} is damaged; if no proxy runs for this --dir, delete it`);
    return ok(name, 'not running');
  }
  const { pid } = daemon.state;
  if (!daemon.alive) return warn(name, `stale ${daemon.stateFile} (PID ${pid} is not running); 'tokenomics stop' removes it`);
  if (!daemon.answering) {
    return warn(name, `${daemon.stateFile} names PID ${pid}, which runs but does not answer as this --dir's proxy; 'tokenomics stop' clears the file if it is stale`);
  }
  const urls = [daemon.state.http_url, daemon.state.https_url].filter(Boolean).join(', ');
  return ok(name, `running (PID ${pid})${urls ? ` at ${urls}` : ''}`);
}

async function redisCheck(config: Config): Promise<Check> {
  const { addr, password, db } = config.session.redis;
  // Loaded only when Redis is configured: ioredis is not needed otherwise.
  const { RedisCounters } = await import('../limits/redis-counters.js');
  try {
    const counters = await RedisCounters.connect({ addr, password: password || undefined, db });
    await counters.close();
    return ok('redis', `reachable at ${addr} (db ${db})`);
  } catch (err) {
    return fail('redis', (err as Error).message);
  }
}

function ledgerCheck(config: Config): Check {
  const name = 'ledger';
  if (!config.ledger.enabled) return ok(name, 'disabled (ledger.enabled: false)');
  const dir = join(config.dir, 'sessions');
  if (!existsSync(dir)) {
    const ancestor = nearestExisting(dir);
    if (writable(ancestor)) return ok(name, `${dir} will be created on the first request`);
    return fail(name, `cannot create ${dir}: ${ancestor} is not a writable directory; fix its permissions or choose another --dir`);
  }
  const probe = join(dir, `.doctor-${process.pid}.tmp`);
  try {
    writeFileSync(probe, 'probe', { flag: 'wx' });
    rmSync(probe, { force: true });
  } catch (err) {
    return fail(name, `${dir} is not writable (${errorText(err)}); fix its permissions, or set ledger.enabled: false`);
  }
  return ok(name, `${dir} writable`);
}

function remoteCheck(config: Config): Check {
  const { url, api_key, sync } = config.remote;
  if (!api_key) return warn('remote sync', `remote.url=${url} but no remote.api_key set; set it (or TOKENOMICS_REMOTE_API_KEY)`);
  return ok('remote sync', `configured for ${url} (${sync > 0 ? `sync every ${sync}s` : 'sync at startup only'})`);
}

/** Runs one check; a check that throws is reported as failed rather than ending the report. */
async function guarded(name: string, run: () => Check | Promise<Check>): Promise<Check> {
  try {
    return await run();
  } catch (err) {
    return fail(name, `check failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export async function runDoctor(options: DoctorOptions = {}): Promise<DoctorReport> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const home = options.home ?? env.HOME ?? homedir();
  const checks: Check[] = [configFileCheck(options, cwd, home)];
  if (checks[0]!.status === 'fail') return { checks, configFailed: true };

  let loaded: LoadedConfig;
  try {
    loaded = loadConfig({ configPath: options.configPath, flags: options.flags, env, cwd, home });
  } catch (err) {
    const message = err instanceof ConfigError ? `${err.message}; fix it and run 'tokenomics doctor' again` : (err as Error).message;
    checks.push(fail('config parse', `could not load config: ${message}`));
    return { checks, configFailed: true };
  }
  checks.push(ok('config parse', `config loaded successfully (dir ${loaded.config.dir})`));
  const { config } = loaded;

  const daemon = await inspectDaemon(config.dir);
  let keys: KeyInspection;
  try {
    keys = await inspectKeys(config, env);
  } catch (err) {
    keys = { problem: (err as Error).message };
  }
  checks.push(await guarded('database', () => databaseCheck(config, daemon, keys, env)));
  checks.push(await guarded('key backend', () => keyBackendCheck(config, env, keys)));
  checks.push(await guarded('provider keys', () => providerKeysCheck(config, loaded.catalog, env)));
  checks.push(await guarded('tls', () => tlsCheck(config)));
  if (config.server.http_port > 0) checks.push(await guarded('http port', () => portCheck('http', config, daemon)));
  if (config.server.tls.enabled && config.server.https_port > 0) checks.push(await guarded('https port', () => portCheck('https', config, daemon)));
  checks.push(proxyStatusCheck(daemon));
  if (config.session.backend === 'redis') checks.push(await guarded('redis', () => redisCheck(config)));
  checks.push(await guarded('ledger', () => ledgerCheck(config)));
  if (config.remote.url) checks.push(remoteCheck(config));
  return { checks, configFailed: false };
}
