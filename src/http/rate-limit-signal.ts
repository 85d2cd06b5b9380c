import type { HttpResponse } from './types.js';

/** A response the server sent because we are over a rate limit. */
/** Longest Retry-After or reset wait honoured (manifest §3 `retry.maxWait`). */
export const DEFAULT_MAX_WAIT = 15 * 60_000;

export interface RateLimitSignal {
  /** How long the server asks us to wait, ms; undefined when it did not say (or said "now"). */
  waitMs?: number;
  /** Short, log-friendly: `429 rate limited`, `403 secondary rate limit` … */
  reason: string;
}

// Epoch seconds in 2001+ are >= 1e9; smaller numbers are deltas (Jira, Okta and others send seconds-from-now).
const EPOCH_SECONDS_MIN = 1e9;
// Epoch seconds this large would be year 5138; values past it are epoch milliseconds.
const EPOCH_MS_MIN = 1e11;
const NUMERIC = /^\+?\d+(?:\.\d+)?$/;
// GitHub 403 bodies: "You have exceeded a secondary rate limit", "API rate limit exceeded for …",
// and the older "You have triggered an abuse detection mechanism".
const RATE_LIMIT_BODY = /rate[ -]?limit|abuse detection/i;
const SECONDARY_LIMIT_BODY = /secondary rate[ -]?limit|abuse detection/i;
const BODY_SNIFF_BYTES = 4096;

/** Ms to wait on a secondary limit naming no wait: GitHub docs "Rate limits for the REST API" say 1 minute. */
export const SECONDARY_LIMIT_DEFAULT_WAIT_MS = 60_000;

/**
 * When a `Retry-After` value says to retry, as ms from `now` (may be <= 0), or undefined if unparseable.
 * Accepts delta-seconds and an HTTP-date (RFC 9110 §10.2.3).
 * @example parseRetryAfter('120', Date.now()) // 120_000
 */
export function parseRetryAfter(value: string, now: number): number | undefined {
  const text = value.trim();
  if (NUMERIC.test(text)) return Number(text) * 1000;
  const at = parseDate(text);
  return at === undefined ? undefined : at - now;
}

/**
 * The absolute time (epoch ms) a rate-limit window resets, or undefined if unparseable.
 * Auto-detects epoch seconds (GitHub), seconds-from-now (values below 1e9, IETF `RateLimit-Reset`),
 * epoch milliseconds (values above 1e11) and ISO 8601 / HTTP dates (Jira).
 * @example parseResetHeader('1767225600', now) // 1767225600000
 */
export function parseResetHeader(value: string, now: number): number | undefined {
  const text = value.trim();
  if (NUMERIC.test(text)) {
    const n = Number(text);
    if (n < EPOCH_SECONDS_MIN) return now + n * 1000;
    return n < EPOCH_MS_MIN ? n * 1000 : n;
  }
  return parseDate(text);
}

/** A date string to epoch ms; bare (possibly negative) numbers are not dates even though Date.parse accepts some. */
function parseDate(text: string): number | undefined {
  if (text === '' || /^[-+]?[\d.]+$/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : at;
}

/** Smallest number in a header such as `42` or the list form `10, 5;w=1` some servers send; undefined if none. */
function parseCount(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  // Nearly every response carries a plain count: skip the split and regex (bench/http-overhead).
  const plain = Number(value);
  if (value !== '' && Number.isInteger(plain)) return plain;
  let min: number | undefined;
  for (const item of value.split(',')) {
    const match = /^\s*(-?\d+)/.exec(item);
    if (match?.[1] !== undefined) {
      const n = Number(match[1]);
      min = min === undefined ? n : Math.min(min, n);
    }
  }
  return min;
}

/**
 * The quota the server reports on any response, for the adaptive rate budget.
 * `remaining` is the request count left, `resetAt` the absolute epoch ms of the reset.
 * @example readBudgetHeaders(res, { remaining: 'x-ratelimit-remaining', reset: 'x-ratelimit-reset' }, now)
 */
export function readBudgetHeaders(
  res: HttpResponse,
  names: { remaining: string; reset: string },
  now: number,
): { remaining?: number; resetAt?: number } {
  const remaining = parseCount(res.headers[names.remaining.toLowerCase()]);
  const reset = res.headers[names.reset.toLowerCase()];
  const resetAt = reset === undefined ? undefined : parseResetHeader(reset, now);
  return { remaining, resetAt };
}

/**
 * Whether `res` is a rate-limit rejection and how long to wait: 429, or a GitHub-style 403 with
 * `x-ratelimit-remaining: 0` or a body mentioning a rate limit (a plain 403 is a permission error).
 * The wait comes from `Retry-After`, then `x-ratelimit-reset`, then `RateLimit-Reset`; it is undefined
 * when not in the future, so callers fall back to backoff instead of looping instantly. With no usable wait
 * header at all, a body naming a secondary rate limit waits SECONDARY_LIMIT_DEFAULT_WAIT_MS; else undefined.
 * @example const signal = readRateLimitSignal(res, clock.now()); if (signal) await clock.sleep(signal.waitMs ?? backoff);
 */
export function readRateLimitSignal(res: HttpResponse, now: number): RateLimitSignal | undefined {
  let reason: string;
  if (res.status === 429) {
    reason = '429 rate limited';
  } else if (res.status === 403 && parseCount(res.headers['x-ratelimit-remaining']) === 0) {
    reason = '403 rate limited (x-ratelimit-remaining: 0)';
  } else if (res.status === 403 && RATE_LIMIT_BODY.test(bodyHead(res.body))) {
    reason = '403 secondary rate limit';
  } else {
    return undefined;
  }
  const waitMs = readWait(res, now);
  if (waitMs === undefined && SECONDARY_LIMIT_BODY.test(bodyHead(res.body))) {
    return { waitMs: SECONDARY_LIMIT_DEFAULT_WAIT_MS, reason };
  }
  return waitMs !== undefined && waitMs > 0 ? { waitMs: Math.ceil(waitMs), reason } : { reason };
}

function bodyHead(body: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(body.subarray(0, BODY_SNIFF_BYTES));
}

/** The first parseable wait header, in ms from `now`. */
function readWait(res: HttpResponse, now: number): number | undefined {
  const retryAfter = res.headers['retry-after'];
  const fromRetryAfter = retryAfter === undefined ? undefined : parseRetryAfter(retryAfter, now);
  if (fromRetryAfter !== undefined) return fromRetryAfter;
  // A reset header describes the quota window: it says when to retry only once that quota is spent
  // (GitHub: "If x-ratelimit-remaining is 0, wait until x-ratelimit-reset"); a secondary limit with
  // quota left would otherwise wait out the whole primary window.
  for (const [reset, remaining] of [
    ['x-ratelimit-reset', 'x-ratelimit-remaining'],
    ['ratelimit-reset', 'ratelimit-remaining'],
  ] as const) {
    const value = res.headers[reset];
    const left = parseCount(res.headers[remaining]);
    if (value === undefined || (left !== undefined && left > 0)) continue;
    const at = parseResetHeader(value, now);
    if (at !== undefined) return at - now;
  }
  return undefined;
}
