import type { Context, MiddlewareHandler } from 'hono';
import { type Clock, systemClock } from '../http/clock.js';

/** GitHub's primary-limit 403 body (docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api). */
export function primaryLimitBody(): { message: string; documentation_url: string } {
  return {
    message:
      'API rate limit exceeded for 127.0.0.1. (But here is the good news: authenticated requests get a higher rate limit.)',
    documentation_url: 'https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting',
  };
}

export interface RateLimiterOptions {
  /** Requests per window. */
  limit: number;
  /** The window starts at the first request and resets `windowMs` later (clock time). */
  windowMs: number;
  /** @default systemClock */
  clock?: Clock;
  /** Value of `x-ratelimit-resource`. @default 'core' */
  resource?: string;
  /**
   * A first window already partly spent, as a token whose hour is under way: `remaining` left,
   * resetting `resetInMs` after the first request. Later windows are fresh.
   */
  firstWindow?: { remaining: number; resetInMs: number };
  /** Called for a request that arrives after `remaining: 0` was announced and before the reset. */
  onViolation?: (c: Context) => void;
}

export interface RateLimiter {
  middleware: MiddlewareHandler;
  /** Back to a fresh, unused window. */
  reset(): void;
}

/**
 * A GitHub-style primary rate limit: every response carries x-ratelimit-limit / -remaining /
 * -reset (epoch seconds, rounded up) / -used / -resource; once the budget is spent the server
 * answers 403 with remaining 0 until the reset.
 * @example app.use('/api/*', rateLimiter({ limit: 5, windowMs: 60_000, clock }).middleware);
 */
export function rateLimiter(options: RateLimiterOptions): RateLimiter {
  const clock = options.clock ?? systemClock;
  const resource = options.resource ?? 'core';
  let windowEnd = Number.NEGATIVE_INFINITY;
  let used = 0;
  let announcedEmpty = false;
  let first = options.firstWindow;

  const middleware: MiddlewareHandler = async (c, next) => {
    const now = clock.now();
    if (now >= windowEnd) {
      windowEnd = now + (first?.resetInMs ?? options.windowMs);
      used = first ? Math.max(0, options.limit - first.remaining) : 0;
      announcedEmpty = used >= options.limit;
      first = undefined;
    }
    const exhausted = used >= options.limit;
    if (!exhausted) used += 1;
    const remaining = options.limit - used;
    c.header('x-ratelimit-limit', String(options.limit));
    c.header('x-ratelimit-remaining', String(remaining));
    // Rounded up so a client that waits until the announced second is past the real reset.
    c.header('x-ratelimit-reset', String(Math.ceil(windowEnd / 1000)));
    c.header('x-ratelimit-used', String(used));
    c.header('x-ratelimit-resource', resource);
    if (exhausted) {
      if (announcedEmpty) options.onViolation?.(c);
      announcedEmpty = true;
      return c.json(primaryLimitBody(), 403);
    }
    if (remaining === 0) announcedEmpty = true;
    await next();
  };

  return {
    middleware,
    reset() {
      first = options.firstWindow;
      windowEnd = Number.NEGATIVE_INFINITY;
      used = 0;
      announcedEmpty = false;
    },
  };
}
