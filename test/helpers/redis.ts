// A real redis-server for tests: started on a free loopback port with nothing persisted, killed at the end.
// CI installs redis-server (.ci/run); outside CI, tests that need it are skipped where it is not installed.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { delimiter, join } from 'node:path';
import { freePort } from './daemon.js';

export const REDIS_SERVER = (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'redis-server')).find((path) => existsSync(path));

/** Skip Redis tests only outside CI: in CI a missing redis-server must fail them. */
export const SKIP_REDIS = !REDIS_SERVER && !process.env.CI;

/** Whether a server on `port` answers PING (raw RESP, so the check does not depend on the code under test). */
export function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

export interface RedisServer {
  readonly port: number;
  readonly addr: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** A redis-server child answering PING when this resolves; `port` to restart one on the same port. */
export async function startRedisServer(port?: number): Promise<RedisServer> {
  const chosen = port ?? (await freePort());
  const child = spawn(REDIS_SERVER ?? 'redis-server', ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  while (!(await pings(chosen))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start on port ${chosen}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port: chosen,
    addr: `127.0.0.1:${chosen}`,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
