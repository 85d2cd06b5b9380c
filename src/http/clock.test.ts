import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from './clock.js';

const DAY = 86_400_000;

afterEach(() => {
  vi.useRealTimers();
});

describe('systemClock.sleep', () => {
  it('waits 30 days as two timers, not a spin of instant ones', async () => {
    vi.useFakeTimers();
    const spy = vi.spyOn(globalThis, 'setTimeout');
    let done = false;
    const sleeping = systemClock.sleep(30 * DAY).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(30 * DAY - 1);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await sleeping;
    expect(done).toBe(true);
    // A single setTimeout(30 days) fires after 1 ms (Node clamps overlong delays); two cover it.
    expect(spy.mock.calls.map(([, ms]) => ms)).toEqual([2 ** 31 - 1, 30 * DAY - (2 ** 31 - 1)]);
  });

  it('an abort during the second timer rejects with the reason', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const sleeping = systemClock.sleep(30 * DAY, controller.signal);
    await vi.advanceTimersByTimeAsync(26 * DAY);
    controller.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('resolves at once for 0, a negative or NaN wait', async () => {
    vi.useFakeTimers();
    await systemClock.sleep(0);
    await systemClock.sleep(-5);
    await systemClock.sleep(Number.NaN);
    expect(vi.getTimerCount()).toBe(0);
  });
});
