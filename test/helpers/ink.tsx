// Renders an Ink tree into a fake terminal of a chosen size (ink-testing-library's is always 100 columns and has no
// rows), with a theme, and lets a test type keys and wait for frames.
import { EventEmitter } from 'node:events';
import { render } from 'ink';
import type { ReactNode } from 'react';
import { ThemeContext, type Theme } from '../../src/tui/theme.js';

class FakeStdout extends EventEmitter {
  frames: string[] = [];
  constructor(readonly columns: number, readonly rows: number) {
    super();
  }
  write = (frame: string) => {
    this.frames.push(frame);
    return true;
  };
}

class FakeStdin extends EventEmitter {
  isTTY = true;
  data: string | null = null;
  write = (data: string) => {
    this.data = data;
    this.emit('readable');
    this.emit('data', data);
  };
  read = () => {
    const { data } = this;
    this.data = null;
    return data;
  };
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

export interface Screen {
  readonly frames: string[];
  lastFrame(): string;
  /** Types keys and waits for the redraw they cause (at most a second, for keys that change nothing). */
  press(keys: string): Promise<void>;
  /** Waits until the last frame satisfies `check` (or fails after `ms`). */
  waitFor(check: (frame: string) => boolean, ms?: number): Promise<string>;
  readonly exited: Promise<void>;
  unmount(): void;
}

export const KEYS = { tab: '\t', shiftTab: '\u001B[Z', right: '\u001B[C', left: '\u001B[D', up: '\u001B[A', down: '\u001B[B' } as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function renderScreen(node: ReactNode, options: { columns?: number; rows?: number; theme?: Theme } = {}): Screen {
  const stdout = new FakeStdout(options.columns ?? 80, options.rows ?? 24);
  const stdin = new FakeStdin();
  const instance = render(<ThemeContext.Provider value={options.theme ?? { color: false }}>{node}</ThemeContext.Provider>, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: new FakeStdout(80, 24) as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  const lastFrame = () => stdout.frames.at(-1) ?? '';
  return {
    frames: stdout.frames,
    lastFrame,
    async press(keys) {
      // A fixed pause is not enough on a loaded machine: wait for the first new frame, then let a burst settle.
      const before = stdout.frames.length;
      stdin.write(keys);
      const deadline = Date.now() + 1000;
      while (stdout.frames.length === before && Date.now() < deadline) await sleep(5);
      await sleep(20);
    },
    async waitFor(check, ms = 5000) {
      const deadline = Date.now() + ms;
      while (!check(lastFrame())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for the screen; last frame:\n${lastFrame()}`);
        await sleep(20);
      }
      return lastFrame();
    },
    exited: instance.waitUntilExit().then(() => undefined),
    unmount: () => instance.unmount(),
  };
}
