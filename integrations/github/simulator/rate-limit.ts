/**
 * GitHub's primary rate limit, per credential: 5,000 requests an hour with a token, 60 without
 * (docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api). Every counted response
 * carries x-ratelimit-limit / -remaining / -used / -reset (epoch seconds) / -resource; a request
 * past the budget gets 403 with remaining 0 and the documented message.
 */
import type { Context } from 'hono';
import type { Clock } from '../../../src/http/clock.js';
import type { RateLimitAnswer } from '../../../src/testing/faults.js';
import { primaryLimitBody } from '../../../src/testing/rate-limiter.js';

const HOUR = 3_600_000;

/** A shorter budget than GitHub's hour, to put a client under budget pressure in seconds (bench/github-vs-peers). */
export interface RateWindow {
  /** Requests per window, whatever the credential. */
  requests: number;
  /**
   * Window length, ms. Windows are aligned to multiples of it since the epoch, so with whole seconds the
   * announced `x-ratelimit-reset` (epoch seconds) is the exact reset, not one rounded up.
   */
  ms: number;
}

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
  /** Every credential's window ends now: the next request opens a fresh one with a later reset, as when GitHub's hour rolls over. */
  reset(): void;
}

/**
 * `fixed` replaces the hour and the per-credential limit with one short window.
 * @example const limits = primaryLimit(clock); if (!limits.take(key, 5000)) return exceeded(c, key); */
export function primaryLimit(clock: Clock, fixed?: RateWindow): PrimaryLimit {
  const windows = new Map<string, Budget>();
  // The reset of each window reset() ended early: the next one resets a whole window later, so a client
  // sees a new window (a later reset), not the old one's count going up again.
  const ended = new Map<string, number>();
  const budget = (key: string, declared: number): Budget => {
    const now = clock.now();
    const limit = fixed?.requests ?? declared;
    let window = windows.get(key);
    if (!window || now >= window.resetAt) {
      // GitHub's hour starts at the first request; a fixed window is aligned (see RateWindow.ms).
      const natural = fixed ? (Math.floor(now / fixed.ms) + 1) * fixed.ms : now + HOUR;
      const resetAt = Math.max(natural, (ended.get(key) ?? 0) + (fixed?.ms ?? HOUR));
      window = { limit, used: 0, resetAt };
      windows.set(key, window);
    }
    return window;
  };
  return {
    budget,
    reset: () => {
      for (const [key, window] of windows) ended.set(key, window.resetAt);
      windows.clear();
    },
    take(key, declared) {
      const window = budget(key, declared);
      const limit = window.limit;
      if (window.used >= limit) return false;
      window.used += 1;
      return true;
    },
    headers(c, key, declared) {
      const window = budget(key, declared);
      const limit = window.limit;
      c.header('x-ratelimit-limit', String(limit));
      c.header('x-ratelimit-remaining', String(Math.max(0, limit - window.used)));
      c.header('x-ratelimit-used', String(window.used));
      // Rounded up: a client that waits until the announced second is past the real reset.
      c.header('x-ratelimit-reset', String(Math.ceil(window.resetAt / 1000)));
      c.header('x-ratelimit-resource', 'core');
    },
  };
}

/**
 * GitHub's rate-limit answers for injected faults (docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api):
 * the primary limit is 403 (or 429) with `x-ratelimit-remaining: 0` and the reset in epoch seconds;
 * a secondary limit is 403 with Retry-After and its own message; plain 429 carries Retry-After.
 */
export const githubRateLimitAnswer: RateLimitAnswer = (c, { kind, now, retryAfterSeconds }) => {
  if (kind === '403-primary') {
    c.header('x-ratelimit-limit', '5000');
    c.header('x-ratelimit-remaining', '0');
    c.header('x-ratelimit-used', '5000');
    c.header('x-ratelimit-reset', String(Math.ceil((now + retryAfterSeconds * 1000) / 1000)));
    c.header('x-ratelimit-resource', 'core');
    return c.json(primaryLimitBody(), 403);
  }
  c.header('retry-after', String(retryAfterSeconds));
  if (kind === '403-secondary') {
    return c.json(
      {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
      },
      403,
    );
  }
  return c.json({ message: 'Too Many Requests', documentation_url: 'https://docs.github.com/rest' }, 429);
};
