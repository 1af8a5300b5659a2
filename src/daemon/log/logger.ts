// Structured logs (pino): the application log on stdout at logging.level, optionally a file at
// logging.file.level, in JSON or one-line text; and the proxy debug log ({dir}/proxy_log_file) for upstream
// attempts and failures. Callers never pass secrets: headers are not logged, tokens appear only as hashes.
import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import pino from 'pino';
import type { Config } from '../../core/config/types.js';

type DestinationStream = pino.DestinationStream;
type Level = pino.Level;
type StreamEntry = pino.StreamEntry;
export type Logger = pino.Logger;

export interface Loggers {
  readonly app: Logger;
  readonly proxy: Logger;
  readonly settings: Config['logging'];
  /** How a token hash appears in logs: 16 characters, or 4 and an ellipsis when hide_token_hash is on. */
  tokenLabel(hash: string): string;
  flush(): void;
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

function textValue(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** Re-renders pino's JSON lines as `time LEVEL msg key=value …`. */
function textDestination(target: DestinationStream): DestinationStream {
  return {
    write(line: string) {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        target.write(line);
        return;
      }
      const { time, level, msg, pid: _pid, hostname: _hostname, ...rest } = record;
      const fields = Object.entries(rest).map(([key, value]) => `${key}=${textValue(value)}`);
      const when = typeof time === 'number' ? new Date(time).toISOString() : '';
      target.write(`${when} ${LEVEL_NAMES[level as number] ?? level} ${String(msg ?? '')}${fields.length ? ` ${fields.join(' ')}` : ''}\n`);
    },
  };
}

function fileStream(path: string): DestinationStream {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  return pino.destination({ dest: path, append: true, mkdir: true, sync: false, mode: 0o600 });
}

const BASE = { base: undefined, timestamp: pino.stdTimeFunctions.epochTime } as const;

export function createLoggers(config: Config, stdout: DestinationStream = pino.destination({ dest: 1, sync: false })): Loggers {
  const logging = config.logging;
  const shape = (stream: DestinationStream) => (logging.format === 'text' ? textDestination(stream) : stream);
  const streams: StreamEntry[] = [{ level: logging.level as Level, stream: shape(stdout) }];
  const flushables: DestinationStream[] = [stdout];
  if (logging.file.enabled) {
    const file = fileStream(logging.file.path || join(config.dir, 'tokenomics.log'));
    streams.push({ level: logging.file.level as Level, stream: shape(file) });
    flushables.push(file);
  }
  const minLevel = [logging.level, logging.file.enabled ? logging.file.level : logging.level]
    .map((level) => pino.levels.values[level] ?? 30)
    .reduce((a, b) => Math.min(a, b));
  const app = pino({ ...BASE, level: pino.levels.labels[minLevel] ?? 'info' }, pino.multistream(streams));

  const proxyPath = isAbsolute(logging.proxy_log_file) ? logging.proxy_log_file : join(config.dir, logging.proxy_log_file || 'proxy.log');
  const proxyFile = fileStream(proxyPath);
  flushables.push(proxyFile);
  const proxy = pino({ ...BASE, level: logging.level === 'debug' ? 'debug' : 'info' }, shape(proxyFile));

  return {
    app,
    proxy,
    settings: logging,
    tokenLabel: (hash) => (logging.hide_token_hash ? `${hash.slice(0, 4)}…` : hash.slice(0, 16)),
    flush() {
      for (const stream of flushables) (stream as { flushSync?: () => void }).flushSync?.();
    },
  };
}
