// Every configuration field, once: its path, kind, default and meaning. Defaults, environment variable
// names, file validation, `config show` and the docs table are all derived from this list.

export type FieldKind =
  | 'string' | 'url' | 'path' | 'int' | 'port' | 'bool' | 'enum'
  | 'string-map' | 'webhooks' | 'pricing' | 'providers';

export interface FieldDef {
  readonly path: string;
  readonly kind: FieldKind;
  readonly default: unknown;
  readonly description: string;
  readonly values?: readonly string[];
  readonly secret?: boolean;
  /** How the default reads in docs when it is derived (e.g. from `dir`). */
  readonly defaultLabel?: string;
  /** Marks fields that SPEC.md adds to the seed. */
  readonly addition?: boolean;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export const DEFAULT_CLI_MAPS: Readonly<Record<string, string>> = {
  claude: 'anthropic',
  anthropic: 'anthropic',
  python: 'generic',
  node: 'generic',
  curl: 'generic',
};

export const FIELDS: readonly FieldDef[] = [
  { path: 'dir', kind: 'path', default: '', defaultLabel: '~/.tokenomics', description: 'Base directory for database, certificates, session ledger, memory logs and logs.' },
  { path: 'server.bind', kind: 'string', default: '127.0.0.1', addition: true, description: 'Address the listeners bind to. Loopback unless you mean to serve other machines.' },
  { path: 'server.http_port', kind: 'port', default: 8080, description: 'Port for the HTTP listener. 0 disables it.' },
  { path: 'server.https_port', kind: 'port', default: 8443, description: 'Port for the HTTPS listener.' },
  { path: 'server.upstream_url', kind: 'url', default: 'https://api.openai.com', description: 'Default upstream URL; policy and provider settings take precedence.' },
  { path: 'server.tls.enabled', kind: 'bool', default: true, description: 'Start the HTTPS listener.' },
  { path: 'server.tls.auto_gen', kind: 'bool', default: true, description: 'Generate a root CA and server certificate on first run.' },
  { path: 'server.tls.cert_dir', kind: 'path', default: '', defaultLabel: '{dir}/certs', description: 'Directory for auto-generated certificates.' },
  { path: 'server.tls.cert_file', kind: 'path', default: '', description: 'Custom server certificate (PEM). When set with key_file, auto_gen is bypassed.' },
  { path: 'server.tls.key_file', kind: 'path', default: '', description: 'Custom server private key (PEM).' },
  { path: 'admin.enabled', kind: 'bool', default: true, description: 'Serve the admin web page and API on the listeners (loopback clients only).' },
  { path: 'admin.auth.username', kind: 'string', default: '', description: 'Optional basic auth username for admin routes.' },
  { path: 'admin.auth.password', kind: 'string', default: '', secret: true, description: 'Optional basic auth password for admin routes.' },
  { path: 'storage.db_path', kind: 'path', default: '', defaultLabel: '{dir}/tokenomics.db', description: 'Token database (LevelDB directory).' },
  { path: 'session.backend', kind: 'enum', values: ['memory', 'redis'], default: 'memory', description: 'Where usage counters live: "memory" (persisted in the database) or "redis" (shared by every instance).' },
  { path: 'session.on_backend_error', kind: 'enum', values: ['fail_closed', 'fail_open'], default: 'fail_closed', addition: true, description: 'When the counter backend is unreachable: refuse requests (fail_closed) or let them through uncounted (fail_open).' },
  { path: 'session.redis.addr', kind: 'string', default: 'localhost:6379', description: 'Redis server address (host:port).' },
  { path: 'session.redis.password', kind: 'string', default: '', secret: true, description: 'Redis password.' },
  { path: 'session.redis.db', kind: 'int', default: 0, description: 'Redis database number.' },
  { path: 'security.hash_key_env', kind: 'string', default: 'TOKENOMICS_HASH_KEY', description: 'Name of the env var holding the HMAC key for token hashes. Unset: a generated key from the keychain.' },
  { path: 'security.encryption_key_env', kind: 'string', default: 'TOKENOMICS_ENCRYPTION_KEY', description: 'Name of the env var holding the AES-256-GCM key for policies at rest. Unset: a generated key from the keychain.' },
  { path: 'security.keychain', kind: 'bool', default: true, addition: true, description: 'Keep generated keys in the OS keychain; false (or no keychain) keeps them in a 0600 file under {dir}/secrets.' },
  { path: 'logging.level', kind: 'enum', values: LEVELS, default: 'info', description: 'Log level: debug, info, warn, error.' },
  { path: 'logging.format', kind: 'enum', values: ['json', 'text'], default: 'json', description: 'Log format: json (structured) or text.' },
  { path: 'logging.request_body', kind: 'bool', default: false, description: 'Include full request bodies in logs.' },
  { path: 'logging.response_body', kind: 'bool', default: false, description: 'Include full response bodies in logs.' },
  { path: 'logging.hide_token_hash', kind: 'bool', default: false, description: 'Replace token hashes with **** in logs.' },
  { path: 'logging.disable_request', kind: 'bool', default: true, description: 'Suppress per-request structured log entries.' },
  { path: 'logging.proxy_log_file', kind: 'path', default: 'proxy.log', description: 'Proxy debug log file name under {dir}.' },
  { path: 'logging.file.enabled', kind: 'bool', default: false, description: 'Also write the application log to a file.' },
  { path: 'logging.file.level', kind: 'enum', values: LEVELS, default: 'info', description: 'Log level for the file.' },
  { path: 'logging.file.path', kind: 'path', default: '', defaultLabel: '{dir}/tokenomics.log', description: 'Application log file path.' },
  { path: 'events.webhooks', kind: 'webhooks', default: [], description: 'Webhook endpoints: url (required), secret, signing_key, events (filter, trailing * allowed), timeout (s, 10), insecure.' },
  { path: 'remote.url', kind: 'string', default: '', description: 'Central config server URL to sync tokens from.' },
  { path: 'remote.api_key', kind: 'string', default: '', secret: true, description: 'API key for the central config server.' },
  { path: 'remote.sync', kind: 'int', default: 0, description: 'Sync interval in seconds; 0 syncs at startup only.' },
  { path: 'remote.insecure', kind: 'bool', default: false, description: 'Skip TLS verification for the remote server.' },
  { path: 'remote.webhook.enabled', kind: 'bool', default: false, description: 'Serve an inbound webhook endpoint for push-based token sync.' },
  { path: 'remote.webhook.path', kind: 'string', default: '/v1/webhook', description: 'URL path of the inbound webhook endpoint.' },
  { path: 'remote.webhook.secret', kind: 'string', default: '', secret: true, description: 'Expected X-Webhook-Secret value on inbound webhooks.' },
  { path: 'remote.webhook.signing_key', kind: 'string', default: '', secret: true, description: 'HMAC-SHA256 key verifying X-Webhook-Signature on inbound webhooks.' },
  { path: 'remote.webhook.auto_register', kind: 'bool', default: false, description: 'Register this proxy\'s webhook with the central server on startup.' },
  { path: 'remote.webhook.callback_url', kind: 'string', default: '', description: 'URL the central server posts events to (required with auto_register).' },
  { path: 'remote.webhook.insecure', kind: 'bool', default: false, description: 'Ask the server to skip TLS verification when delivering to this proxy.' },
  { path: 'cli_maps', kind: 'string-map', default: DEFAULT_CLI_MAPS, defaultLabel: 'claude, anthropic: anthropic; python, node, curl: generic', description: 'Command name -> provider for `tokenomics run`. Entries merge over the defaults.' },
  { path: 'default_provider', kind: 'string', default: '', description: 'Provider used when neither a policy nor cli_maps names one (e.g. openai, anthropic).' },
  { path: 'ledger.enabled', kind: 'bool', default: true, description: 'Record every request in the session ledger under {dir}/sessions.' },
  { path: 'ledger.memory', kind: 'bool', default: true, description: 'Record conversation content in markdown under {dir}/memory.' },
  { path: 'ledger.event_ledger', kind: 'bool', default: false, description: 'Record request/response communication events (sanitized headers, bounded bodies).' },
  { path: 'pricing', kind: 'pricing', default: {}, addition: true, description: 'Price overrides per model in USD per million tokens: {input, output, cache_read, cache_write}.' },
  { path: 'providers', kind: 'providers', default: {}, description: 'Provider definitions that replace or extend the built-in catalog by name (providers.yaml format).' },
];

export const FIELD_BY_PATH: ReadonlyMap<string, FieldDef> = new Map(FIELDS.map((f) => [f.path, f]));

export function envVarFor(path: string): string {
  return `TOKENOMICS_${path.toUpperCase().replace(/\./g, '_')}`;
}
