import { isInletError, RateLimitError } from '../errors/errors.js';
import type { Clock, Random } from './clock.js';
import { formatDuration } from './duration.js';
import { DEFAULT_MAX_WAIT, parseRetryAfter, readRateLimitSignal } from './rate-limit-signal.js';
import { backoffDelay } from './retry-timing.js';
import type { EventSink, HttpRequest, HttpResponse, Policy } from './types.js';
import { IDEMPOTENT_METHODS } from './types.js';

export interface RetryOptions {
  /** Total tries of one request, the first included. @default 6 */
  attempts?: number;
  /** Response statuses worth another try. @default [408, 425, 429, 500, 502, 503, 504] */
  statuses?: number[];
  /** Exponential backoff bounds, ms. @default { initial: 500, max: 60_000 } */
  backoff?: { initial: number; max: number };
  /** Longest `Retry-After` / reset wait honoured, ms; a longer rate-limit wait fails fast. @default 900_000 (15 min) */
  maxWait?: number;
}

const DEFAULT_STATUSES = [408, 425, 429, 500, 502, 503, 504];
const DEFAULT_BACKOFF = { initial: 500, max: 60_000 };
const MAX_REASON_LENGTH = 120;

/** What to do after one attempt: hand back its response, or wait `delayMs` and try again. */
type Decision = { retry: false; res: HttpResponse } | { retry: true; delayMs: number; reason: string };

/**
 * Retries transient failures: listed statuses, rate limits (429 and GitHub's rate-limit 403s), and
 * network errors / timeouts. Only idempotent methods are retried unless the request sets `retry: true`.
 * Waits what the server asks (`Retry-After`, reset headers) when it says, else exponential backoff with
 * full jitter. When tries run out the last response is returned (the caller maps its status to an
 * error) or the last error rethrown. A rate-limit wait longer than `maxWait` throws RateLimitError at once.
 * @example const handler = compose(retryPolicy({ clock: systemClock, random: Math.random, onEvent }), auth)(transport);
 */
export function retryPolicy(
  options: RetryOptions & { clock: Clock; random: Random; onEvent?: EventSink },
): Policy {
  const { clock, random, onEvent } = options;
  const attempts = Math.max(1, options.attempts ?? 6);
  const statuses = new Set(options.statuses ?? DEFAULT_STATUSES);
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const maxWait = options.maxWait ?? DEFAULT_MAX_WAIT;

  const afterResponse = (res: HttpResponse, method: string, attempt: number): Decision => {
    const signal = readRateLimitSignal(res, clock.now());
    if (signal?.waitMs !== undefined && signal.waitMs > maxWait) {
      // No URL here: it may carry secrets; the client adds redacted context.
      throw new RateLimitError(
        `rate limited: server asks to wait ${formatDuration(signal.waitMs)}, longer than maxWait ${formatDuration(maxWait)}`,
        { method, status: res.status, waitMs: signal.waitMs },
      );
    }
    if (attempt >= attempts || (!signal && !statuses.has(res.status))) return { retry: false, res };
    let waitMs = signal?.waitMs;
    if (!signal) {
      // RFC 9110 §10.2.3: Retry-After on a 503 (or any retryable status) says when the service is back.
      const retryAfter = res.headers['retry-after'];
      const asked = retryAfter === undefined ? undefined : parseRetryAfter(retryAfter, clock.now());
      // Longer than we are willing to wait: stop now and let the caller report the status.
      if (asked !== undefined && asked > maxWait) return { retry: false, res };
      if (asked !== undefined && asked > 0) waitMs = Math.ceil(asked);
    }
    return {
      retry: true,
      delayMs: waitMs ?? backoffDelay(attempt, backoff, random),
      reason: signal?.reason ?? String(res.status),
    };
  };

  const afterError = (error: unknown, req: HttpRequest, retryable: boolean, attempt: number): Decision => {
    const transient = isInletError(error, 'E_NETWORK') || isInletError(error, 'E_TIMEOUT');
    // A cancelled request is never retried, whatever the error says.
    if (!transient || !retryable || req.signal?.aborted || attempt >= attempts) throw error;
    return {
      retry: true,
      delayMs: backoffDelay(attempt, backoff, random),
      reason: `${error.code}: ${error.message}`.slice(0, MAX_REASON_LENGTH),
    };
  };

  return (next) => async (req) => {
    const retryable = IDEMPOTENT_METHODS.has(req.method) || req.retry === true;
    for (let attempt = 1; ; attempt++) {
      let decision: Decision;
      try {
        const res = await next({ ...req, attempt });
        // Success needs no decision: the common case allocates nothing more (bench/http-overhead).
        if (res.status < 400 || !retryable) return res;
        decision = afterResponse(res, req.method, attempt);
      } catch (error) {
        decision = afterError(error, req, retryable, attempt);
      }
      if (!decision.retry) return decision.res;
      onEvent?.({
        type: 'retry',
        method: req.method,
        url: req.url,
        attempt,
        delayMs: decision.delayMs,
        reason: decision.reason,
      });
      await clock.sleep(decision.delayMs, req.signal);
    }
  };
}
