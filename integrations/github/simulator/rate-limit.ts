/**
 * GitHub's primary rate limit, per credential: 5,000 requests an hour with a token, 60 without
 * (docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api). Every counted response
 * carries x-ratelimit-limit / -remaining / -used / -reset (epoch seconds) / -resource; a request
 * past the budget gets 403 with remaining 0 and the documented message.
 */
import type { Context } from 'hono';
import type { Clock } from '../../../src/http/clock.js';

const HOUR = 3_600_000;

export interface Budget {
  limit: number;
  used: number;
  /** Epoch ms when the window resets. */
  resetAt: number;
}

export interface PrimaryLimit {
  /** The budget of `key` now (a fresh window when the last one ended). */
  budget(key: string, limit: number): Budget;
  /** Count one request; false when the budget was already spent. */
  take(key: string, limit: number): boolean;
  /** Write the x-ratelimit-* headers for `key`. */
  headers(c: Context, key: string, limit: number): void;
}

/**
 * @param windowMs the window's length; GitHub's is an hour, shorter ones exercise clients that follow resets
 * @example const limits = primaryLimit(clock); if (!limits.take(key, 5000)) return exceeded(c, key);
 */
export function primaryLimit(clock: Clock, windowMs = HOUR): PrimaryLimit {
  const windows = new Map<string, Budget>();
  const budget = (key: string, limit: number): Budget => {
    const now = clock.now();
    let window = windows.get(key);
    if (!window || now >= window.resetAt) {
      window = { limit, used: 0, resetAt: now + windowMs };
      windows.set(key, window);
    }
    return window;
  };
  return {
    budget,
    take(key, limit) {
      const window = budget(key, limit);
      if (window.used >= limit) return false;
      window.used += 1;
      return true;
    },
    headers(c, key, limit) {
      const window = budget(key, limit);
      c.header('x-ratelimit-limit', String(limit));
      c.header('x-ratelimit-remaining', String(Math.max(0, limit - window.used)));
      c.header('x-ratelimit-used', String(window.used));
      // Rounded up: a client that waits until the announced second is past the real reset.
      c.header('x-ratelimit-reset', String(Math.ceil(window.resetAt / 1000)));
      c.header('x-ratelimit-resource', 'core');
    },
  };
}
