import { describe, expect, it } from 'vitest';
import type { Clock } from '../http/clock.js';
import type { Logger } from '../http/log.js';
import { parseEvery, startSchedule } from './schedule.js';

/** Time that moves only when the test says: sleepers wake as `advance` passes their time. */
class ManualClock implements Clock {
  #now = 0;
  #sleepers: Array<{ at: number; wake: () => void }> = [];
  now() {
    return this.#now;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const sleeper = { at: this.#now + Math.max(0, ms), wake: resolve };
      this.#sleepers.push(sleeper);
      signal?.addEventListener('abort', () => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
        reject(signal.reason);
      });
    });
  }
  /** Moves time on by `ms`, waking sleepers in order and letting each one's follow-up run. */
  async advance(ms: number) {
    const end = this.#now + ms;
    for (;;) {
      await flush();
      const next = this.#sleepers.filter((s) => s.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.#now = next.at;
      this.#sleepers = this.#sleepers.filter((s) => s !== next);
      next.wake();
    }
    this.#now = end;
    await flush();
  }
}

const flush = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

function capture() {
  const lines: string[] = [];
  const log = (msg: unknown) => lines.push(String(msg));
  return { lines, logger: { info: log, warn: log, error: log, debug: log } as unknown as Logger };
}

const HOUR = 3_600_000;

describe('startSchedule (--every)', () => {
  it('runs at start and on each interval, on fake time', async () => {
    const clock = new ManualClock();
    const starts: number[] = [];
    const schedule = startSchedule({
      everyMs: HOUR,
      clock,
      resync: async () => {
        starts.push(clock.now());
      },
    });
    await clock.advance(0);
    expect(starts).toEqual([0]);
    await clock.advance(HOUR - 1);
    expect(starts).toEqual([0]);
    await clock.advance(1);
    await clock.advance(2 * HOUR);
    expect(starts).toEqual([0, HOUR, 2 * HOUR, 3 * HOUR]);
    await schedule.stop();
    await clock.advance(5 * HOUR);
    expect(starts).toHaveLength(4);
  });

  it('skips a resync that falls due while one runs, with a log line, never two at once', async () => {
    const clock = new ManualClock();
    const { lines, logger } = capture();
    let running = 0;
    let most = 0;
    let finish: () => void = () => {};
    let runs = 0;
    const schedule = startSchedule({
      everyMs: HOUR,
      clock,
      logger,
      resync: async () => {
        runs++;
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => {
          finish = resolve;
        });
        running--;
      },
    });
    await clock.advance(0);
    await clock.advance(2.5 * HOUR); // ticks at 1 h and 2 h fall due mid-run
    expect(runs).toBe(1);
    expect(lines.filter((l) => l.includes('resync skipped'))).toHaveLength(2);
    finish();
    await clock.advance(0.5 * HOUR); // 3 h: free again
    expect(runs).toBe(2);
    expect(most).toBe(1);
    finish();
    await schedule.stop();
  });

  it('stop aborts the resync in hand through its signal and waits for it to end', async () => {
    const clock = new ManualClock();
    let seen: AbortSignal | undefined;
    let ended = false;
    const schedule = startSchedule({
      everyMs: HOUR,
      clock,
      resync: (signal) =>
        new Promise<void>((resolve) => {
          seen = signal;
          // The "current page" finishes a moment after the abort.
          signal.addEventListener('abort', () =>
            setTimeout(() => {
              ended = true;
              resolve();
            }, 20),
          );
        }),
    });
    await clock.advance(0);
    expect(seen?.aborted).toBe(false);
    await schedule.stop();
    expect(seen?.aborted).toBe(true);
    expect(ended).toBe(true);
  });

  it('logs a failed resync and keeps the schedule', async () => {
    const clock = new ManualClock();
    const { lines, logger } = capture();
    let runs = 0;
    const schedule = startSchedule({
      everyMs: 60_000,
      clock,
      logger,
      resync: async () => {
        runs++;
        throw new Error('E_NETWORK connection refused');
      },
    });
    await clock.advance(60_000);
    expect(runs).toBe(2);
    expect(lines.filter((l) => l.includes('resync failed: E_NETWORK'))).toHaveLength(2);
    await schedule.stop();
  });
});

describe('parseEvery', () => {
  it('reads durations and refuses zero and junk with the flag named', () => {
    expect(parseEvery('1h')).toBe(HOUR);
    expect(parseEvery('90s')).toBe(90_000);
    expect(() => parseEvery('0')).toThrow(/--every: "0" must be above 0/);
    expect(() => parseEvery('soon')).toThrow(/--every: "soon" is not a duration/);
  });
});
