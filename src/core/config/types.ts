// The effective configuration. Field names are the seed's; every path here has a row in fields.ts.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface WebhookConfig {
  url: string;
  secret: string;
  signing_key: string;
  events: string[];
  timeout: number;
  insecure: boolean;
}

/** USD per million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
  cache_read?: number;
  cache_write?: number;
}

export interface Config {
  dir: string;
  server: {
    bind: string;
    http_port: number;
    https_port: number;
    upstream_url: string;
    tls: { enabled: boolean; auto_gen: boolean; cert_dir: string; cert_file: string; key_file: string };
  };
  admin: { enabled: boolean; auth: { username: string; password: string } };
  storage: { db_path: string };
  session: {
    backend: 'memory' | 'redis';
    on_backend_error: 'fail_closed' | 'fail_open';
    redis: { addr: string; password: string; db: number };
  };
  security: { hash_key_env: string; encryption_key_env: string; keychain: boolean };
  logging: {
    level: LogLevel;
    format: 'json' | 'text';
    request_body: boolean;
    response_body: boolean;
    hide_token_hash: boolean;
    disable_request: boolean;
    proxy_log_file: string;
    file: { enabled: boolean; level: LogLevel; path: string };
  };
  events: { webhooks: WebhookConfig[] };
  remote: {
    url: string;
    api_key: string;
    sync: number;
    insecure: boolean;
    webhook: {
      enabled: boolean;
      path: string;
      secret: string;
      signing_key: string;
      auto_register: boolean;
      callback_url: string;
      insecure: boolean;
    };
  };
  cli_maps: Record<string, string>;
  default_provider: string;
  ledger: { enabled: boolean; memory: boolean; event_ledger: boolean };
  pricing: Record<string, ModelPrice>;
  /** Inline provider definitions; they replace catalog entries of the same name (validated by the catalog). */
  providers: Record<string, unknown>;
}
