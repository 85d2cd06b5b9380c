import type { Context, MiddlewareHandler } from 'hono';
import type { Clock } from '../../../src/http/clock.js';
import {
  type FaultKind,
  type FaultSpec,
  faultInjector,
  type RateLimitAnswer,
} from '../../../src/testing/faults.js';

/** What the simulator's fault injection did, for tests. */
export interface FaultCounts {
  total: number;
  byKind: Partial<Record<FaultKind, number>>;
  /** Requests that arrived while a Retry-After was still running. */
  violations: number;
}

/**
 * `X-RateLimit-Reset` as Jira sends it: "the request timestamp plus the Retry-After period … in the
 * format yyyy-MM-ddTHH:mmZ" (developer.atlassian.com/cloud/jira/platform/rate-limiting), so minutes only.
 */
export function jiraResetHeader(atMs: number): string {
  return `${new Date(atMs).toISOString().slice(0, 16)}Z`;
}

/**
 * Jira's rate-limit response: 429 with Retry-After (seconds), X-RateLimit-Reset (ISO minute),
 * X-RateLimit-Limit / -Remaining, RateLimit-Reason and X-RateLimit-NearLimit, and Jira's
 * ErrorCollection body. Jira never rate-limits with 403, so GitHub-style 403 faults become this too.
 */
function jiraTooManyRequests(c: Context, now: number, retryAfterSeconds: number): Response {
  c.header('retry-after', String(retryAfterSeconds));
  c.header('x-ratelimit-reset', jiraResetHeader(now + retryAfterSeconds * 1000));
  c.header('x-ratelimit-limit', '100');
  c.header('x-ratelimit-remaining', '0');
  c.header('x-ratelimit-nearlimit', 'true');
  c.header('ratelimit-reason', 'jira-burst-based');
  return c.json({ errorMessages: ['Rate limit exceeded.'], errors: {} }, 429);
}

/** Jira's rate-limit answer for any injected rate-limit fault (a replay of a Jira integration uses it). */
export const jiraRateLimitAnswer: RateLimitAnswer = (c, { now, retryAfterSeconds }) =>
  jiraTooManyRequests(c, now, Math.max(1, retryAfterSeconds));

/**
 * The shared seeded fault injector (same schedule, never the same URL twice in a row), with its
 * rate-limit responses rewritten into Jira's shape.
 * @example app.use('/rest/*', jiraFaults({ rate: 0.2 }, clock, counts));
 */
export function jiraFaults(spec: FaultSpec, clock: Clock, counts: FaultCounts): MiddlewareHandler {
  const injector = faultInjector(spec, {
    clock,
    onFault: (_c, kind) => {
      counts.total += 1;
      counts.byKind[kind] = (counts.byKind[kind] ?? 0) + 1;
    },
    onViolation: () => {
      counts.violations += 1;
    },
  });
  return async (c, next) => {
    const res = await injector.middleware(c, next);
    if (res instanceof Response && (res.status === 429 || res.status === 403)) {
      const retryAfter = Number(res.headers.get('retry-after') ?? spec.retryAfterSeconds ?? 1);
      return jiraTooManyRequests(c, clock.now(), Math.max(1, Math.ceil(retryAfter)));
    }
    return res;
  };
}
