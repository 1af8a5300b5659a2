// The tray-host probe against a real Xvfb that demands a cookie: with the right Xauthority entry it gets an answer
// (no tray yet), with a wrong one or none it cannot tell rather than claiming there is no tray.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPath } from '../../src/tray/clipboard.js';
import { parseDisplay, xauthCookie, xembedTrayRuns } from '../../src/tray/x11-probe.js';
import { scratchDir } from '../helpers/cli.js';

const scratch = scratchDir('tokenomics-x11-');
afterAll(() => scratch.cleanup());

function field(bytes: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** One Xauthority entry (FamilyLocal 256 unless given). */
function entry(display: string, cookie: Buffer, family = 256, address = hostname(), name = 'MIT-MAGIC-COOKIE-1'): Buffer {
  const head = Buffer.alloc(2);
  head.writeUInt16BE(family);
  return Buffer.concat([head, field(Buffer.from(address)), field(Buffer.from(display)), field(Buffer.from(name)), field(cookie)]);
}

describe('parseDisplay and xauthCookie', () => {
  it('reads display and screen numbers; rejects what is not a display', () => {
    expect(parseDisplay(':0')).toEqual({ host: '', display: 0, screen: 0 });
    expect(parseDisplay('localhost:10.1')).toEqual({ host: 'localhost', display: 10, screen: 1 });
    expect(parseDisplay('wayland-0')).toBeUndefined();
  });

  it("picks this host's cookie for the display, then a wildcard one, and ignores other displays and schemes", () => {
    const mine = randomBytes(16);
    const wild = randomBytes(16);
    const file = Buffer.concat([
      entry('1', randomBytes(16)),
      entry('0', randomBytes(8), 256, hostname(), 'XDM-AUTHORIZATION-1'),
      entry('0', wild, 65535, ''),
      entry('0', mine),
    ]);
    expect(xauthCookie(file, 0)?.data).toEqual(mine);
    expect(xauthCookie(file, 0, 'another-host')?.data).toEqual(wild);
    expect(xauthCookie(file, 7)).toBeUndefined();
    expect(xauthCookie(file.subarray(0, file.length - 5), 1)?.data).toBeDefined();
  });
});

const skip = !onPath('Xvfb') && !process.env.CI;

describe.skipIf(skip)(`xembedTrayRuns on an Xvfb with access control${skip ? ' (skipped: Xvfb not installed)' : ''}`, () => {
  let xvfb: ChildProcess;
  let display = '';
  const cookie = randomBytes(16);
  const good = join(scratch.path, 'good.xauth');
  const wrong = join(scratch.path, 'wrong.xauth');

  beforeAll(async () => {
    let number = 200 + Math.floor(Math.random() * 150);
    while (existsSync(`/tmp/.X11-unix/X${number}`) || existsSync(`/tmp/.X${number}-lock`)) number++;
    display = `:${number}`;
    writeFileSync(good, entry(String(number), cookie));
    writeFileSync(wrong, entry(String(number), randomBytes(16)));
    xvfb = spawn('Xvfb', [display, '-auth', good, '-nolisten', 'tcp'], { stdio: 'ignore' });
    const deadline = Date.now() + 15_000;
    while (!existsSync(`/tmp/.X11-unix/X${number}`)) {
      if (Date.now() > deadline) throw new Error('Xvfb did not start');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }, 30_000);

  afterAll(async () => {
    if (xvfb && xvfb.exitCode === null) {
      xvfb.kill('SIGTERM');
      await new Promise((resolve) => xvfb.once('exit', resolve));
    }
  });

  it('with the cookie: answers that no tray runs', async () => {
    expect(await xembedTrayRuns(display, { XAUTHORITY: good })).toBe(false);
  });

  it('with a wrong cookie or none: cannot tell', async () => {
    expect(await xembedTrayRuns(display, { XAUTHORITY: wrong })).toBeUndefined();
    expect(await xembedTrayRuns(display, { XAUTHORITY: join(scratch.path, 'missing') })).toBeUndefined();
  });

  it('a display nobody serves: cannot tell', async () => {
    expect(await xembedTrayRuns(':399', {})).toBeUndefined();
  });
});
