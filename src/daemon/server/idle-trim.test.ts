// The idle trim collects garbage once after a burst, only when nothing is in flight, and never mid-burst.
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { exposedGc, IdleTrim } from './idle-trim.js';

describe('IdleTrim', () => {
  afterEach(() => vi.useRealTimers());

  const response = () => new EventEmitter() as EventEmitter & { once(event: 'close', listener: () => void): unknown };

  it('collects once when a burst of requests is followed by idle time', () => {
    vi.useFakeTimers();
    const gc = vi.fn();
    const trim = new IdleTrim({ gc, idleMs: 2000 });
    for (let i = 0; i < 250; i++) {
      const res = response();
      trim.track(undefined, res);
      res.emit('close');
    }
    vi.advanceTimersByTime(1999);
    expect(gc).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(gc).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(60_000);
    expect(gc).toHaveBeenCalledTimes(1);
  });

  it('waits while a request is in flight, and ignores a few sporadic requests', () => {
    vi.useFakeTimers();
    const gc = vi.fn();
    const trim = new IdleTrim({ gc, idleMs: 2000 });
    const long = response();
    trim.track(undefined, long);
    for (let i = 0; i < 250; i++) {
      const res = response();
      trim.track(undefined, res);
      res.emit('close');
    }
    vi.advanceTimersByTime(10_000);
    expect(gc).not.toHaveBeenCalled();
    long.emit('close');
    vi.advanceTimersByTime(2000);
    expect(gc).toHaveBeenCalledTimes(1);

    const sporadicGc = vi.fn();
    const few = new IdleTrim({ gc: sporadicGc, idleMs: 2000 });
    const res = response();
    few.track(undefined, res);
    res.emit('close');
    vi.advanceTimersByTime(10_000);
    expect(sporadicGc).not.toHaveBeenCalled();
  });

  it('finds V8 garbage collection at run time', () => {
    const gc = exposedGc();
    expect(typeof gc).toBe('function');
    expect(() => gc!()).not.toThrow();
  });
});
