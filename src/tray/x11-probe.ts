// Whether an X11 system tray (XEmbed) runs on a display: it owns the selection _NET_SYSTEM_TRAY_S<screen>. Without one
// (and without a StatusNotifierWatcher on D-Bus) the tray helper starts fine and its icon is simply nowhere. Speaks
// the three X11 requests it needs over the display's socket rather than depending on an X library or xprop.
import { readFileSync } from 'node:fs';
import { hostname, homedir } from 'node:os';
import { join } from 'node:path';
import { connect, type Socket } from 'node:net';

export interface DisplayAddress {
  readonly host: string;
  readonly display: number;
  readonly screen: number;
}

export function parseDisplay(value: string): DisplayAddress | undefined {
  const match = /^([^:]*):(\d+)(?:\.(\d+))?$/.exec(value);
  if (!match) return undefined;
  return { host: match[1]!, display: Number(match[2]), screen: Number(match[3] ?? 0) };
}

interface Cookie {
  readonly name: string;
  readonly data: Buffer;
}

/** The MIT-MAGIC-COOKIE-1 for a display number from an Xauthority file, if there is one. */
export function xauthCookie(file: Buffer, display: number, host = hostname()): Cookie | undefined {
  const found: Array<Cookie & { address: string; family: number }> = [];
  let at = 0;
  const field = (): Buffer => {
    const length = file.readUInt16BE(at);
    const value = file.subarray(at + 2, at + 2 + length);
    at += 2 + length;
    return value;
  };
  try {
    while (at + 2 <= file.length) {
      const family = file.readUInt16BE(at);
      at += 2;
      const address = field().toString('latin1');
      const number = field().toString('latin1');
      const name = field().toString('latin1');
      const data = field();
      if (name === 'MIT-MAGIC-COOKIE-1' && (number === String(display) || number === '')) found.push({ family, address, name, data });
    }
  } catch {
    // a truncated file: use what was read
  }
  // FamilyLocal (256) for this host first, then FamilyWild (65535), then anything for this display.
  return found.find((c) => c.family === 256 && c.address === host) ?? found.find((c) => c.family === 65535) ?? found[0];
}

const pad = (n: number) => (4 - (n % 4)) % 4;

function setupRequest(cookie: Cookie | undefined): Buffer {
  const name = Buffer.from(cookie?.name ?? '', 'latin1');
  const data = cookie?.data ?? Buffer.alloc(0);
  const head = Buffer.alloc(12);
  head.write('l', 0, 'latin1'); // little-endian
  head.writeUInt16LE(11, 2);
  head.writeUInt16LE(0, 4);
  head.writeUInt16LE(name.length, 6);
  head.writeUInt16LE(data.length, 8);
  return Buffer.concat([head, name, Buffer.alloc(pad(name.length)), data, Buffer.alloc(pad(data.length))]);
}

function internAtomRequest(name: string): Buffer {
  const bytes = Buffer.from(name, 'latin1');
  const head = Buffer.alloc(8);
  head[0] = 16; // InternAtom
  head[1] = 1; // only-if-exists
  head.writeUInt16LE(2 + (bytes.length + pad(bytes.length)) / 4, 2);
  head.writeUInt16LE(bytes.length, 4);
  return Buffer.concat([head, bytes, Buffer.alloc(pad(bytes.length))]);
}

function getSelectionOwnerRequest(atom: number): Buffer {
  const request = Buffer.alloc(8);
  request[0] = 23; // GetSelectionOwner
  request.writeUInt16LE(2, 2);
  request.writeUInt32LE(atom, 4);
  return request;
}

/** Reads exactly what is asked for from a socket, in order. */
function reader(socket: Socket): (bytes: number) => Promise<Buffer> {
  let buffered = Buffer.alloc(0);
  let waiting: { bytes: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
  let failure: Error | undefined;
  const drain = () => {
    if (waiting && buffered.length >= waiting.bytes) {
      const { bytes, resolve } = waiting;
      waiting = undefined;
      const out = buffered.subarray(0, bytes);
      buffered = buffered.subarray(bytes);
      resolve(out);
    } else if (waiting && failure) {
      waiting.reject(failure);
      waiting = undefined;
    }
  };
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    drain();
  });
  const fail = (err: Error) => {
    failure = err;
    drain();
  };
  socket.on('error', fail);
  socket.on('close', () => fail(new Error('the X server closed the connection')));
  return (bytes) =>
    new Promise((resolve, reject) => {
      waiting = { bytes, resolve, reject };
      drain();
    });
}

function open(address: DisplayAddress): Promise<Socket> {
  const local = address.host === '' || address.host === 'unix';
  const attempts: Array<() => Socket> = local
    ? [() => connect(`/tmp/.X11-unix/X${address.display}`), () => connect(`\0/tmp/.X11-unix/X${address.display}`)]
    : [() => connect(6000 + address.display, address.host)];
  return attempts.reduce<Promise<Socket>>(
    (previous, attempt) =>
      previous.catch(
        () =>
          new Promise((resolve, reject) => {
            const socket = attempt();
            socket.once('connect', () => resolve(socket));
            socket.once('error', reject);
          }),
      ),
    Promise.reject(new Error('no attempt')),
  );
}

async function probe(address: DisplayAddress, cookie: Cookie | undefined): Promise<boolean | undefined> {
  const socket = await open(address);
  try {
    const read = reader(socket);
    socket.write(setupRequest(cookie));
    const head = await read(8);
    await read(head.readUInt16LE(6) * 4);
    if (head[0] !== 1) return undefined; // refused (authorization): cannot tell
    socket.write(internAtomRequest(`_NET_SYSTEM_TRAY_S${address.screen}`));
    const atomReply = await read(32);
    if (atomReply[0] !== 1) return undefined;
    const atom = atomReply.readUInt32LE(8);
    if (atom === 0) return false; // no client ever named the selection: no tray
    socket.write(getSelectionOwnerRequest(atom));
    const ownerReply = await read(32);
    if (ownerReply[0] !== 1) return undefined;
    return ownerReply.readUInt32LE(8) !== 0;
  } finally {
    socket.destroy();
  }
}

/** true: a system tray runs on the display; false: none does; undefined: could not tell. Bounded by `timeoutMs`. */
export async function xembedTrayRuns(display: string, env: NodeJS.ProcessEnv = process.env, timeoutMs = 2000): Promise<boolean | undefined> {
  const address = parseDisplay(display);
  if (!address) return undefined;
  let cookie: Cookie | undefined;
  try {
    cookie = xauthCookie(readFileSync(env.XAUTHORITY || join(env.HOME || homedir(), '.Xauthority')), address.display);
  } catch {
    cookie = undefined; // no Xauthority file: servers without access control (Xvfb) still answer
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      probe(address, cookie).catch(() => undefined),
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
