import { ConfigError } from '../errors/errors.js';
import type { HttpResponse, Policy } from './types.js';

interface Waiter {
  grant: () => void;
  priority: number;
}

/**
 * Counting semaphore with a queue ordered by priority, then arrival; a freed slot passes straight to
 * the first waiter, so none is overtaken by one of the same or a lower priority.
 */
class Semaphore {
  #free: number;
  readonly #queue: Waiter[] = [];

  constructor(limit: number) {
    this.#free = limit;
  }

  /** Takes a free slot at once if there is one and nobody is queued. */
  tryAcquire(): boolean {
    if (this.#free > 0 && this.#queue.length === 0) {
      this.#free--;
      return true;
    }
    return false;
  }

  /** Resolves once a slot is held; rejects with the signal's reason (and leaves the queue) when aborted first. */
  acquire(signal?: AbortSignal, priority = 0): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#free > 0 && this.#queue.length === 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = this.#queue.indexOf(waiter);
        if (index >= 0) this.#queue.splice(index, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        priority,
      };
      // Behind every waiter of the same or a higher priority (the queue is short: one per request).
      let at = this.#queue.length;
      while (at > 0 && this.#queue[at - 1]!.priority < priority) at--;
      this.#queue.splice(at, 0, waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  release(): void {
    const waiter = this.#queue.shift();
    if (waiter) waiter.grant();
    else this.#free++;
  }
}

/**
 * At most `limit` requests in flight through this policy; the rest queue by `req.priority` (higher
 * first, @default 0), then in arrival order. The engine gives the pages of a kind with child kinds a
 * higher priority: they are what the fan-out waits for (docs/performance.md, scale-out). A slot is
 * freed when the request settles either way; a request aborted while queued is rejected and dequeued.
 * @example compose(concurrencyPolicy(8))(transport)
 */
export function concurrencyPolicy(limit: number): Policy {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new ConfigError(`concurrency: ${limit} is not a positive whole number`);
  }
  const semaphore = new Semaphore(limit);
  const release = () => semaphore.release();
  return (next) => (req) => {
    // Fast path without an extra await when a slot is free (bench/http-overhead).
    const run = () => {
      let pending: Promise<HttpResponse>;
      try {
        pending = next(req);
      } catch (error) {
        release();
        throw error;
      }
      pending.then(release, release);
      return pending;
    };
    if (req.signal?.aborted !== true && semaphore.tryAcquire()) return run();
    return semaphore.acquire(req.signal, req.priority).then(run);
  };
}
