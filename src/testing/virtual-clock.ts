import type { Clock } from '../http/clock.js';

/**
 * Virtual time for tests: `sleep(ms)` moves the clock to the sleeper's wake-up time
 * (never backwards) and yields to real I/O, so a 15-minute Retry-After costs nothing
 * while ordering between sleepers stays right. Share one instance between the client
 * and the test server so both read the same time.
 */
export class VirtualClock implements Clock {
  #now: number;
  /** Sum of all requested sleeps, for assertions such as "waited at least the Retry-After". */
  slept = 0;
  readonly sleeps: number[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  advance(ms: number): void {
    this.#now += ms;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    const wake = this.#now + Math.max(0, ms);
    this.slept += Math.max(0, ms);
    this.sleeps.push(ms);
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (signal?.aborted) throw signal.reason;
    this.#now = Math.max(this.#now, wake);
  }
}
