import { describe, expect, it } from 'vitest';
import {
  parseResetHeader,
  parseRetryAfter,
  readBudgetHeaders,
  readRateLimitSignal,
  SECONDARY_LIMIT_DEFAULT_WAIT_MS,
} from './rate-limit-signal.js';
import type { HttpResponse } from './types.js';

const now = Date.UTC(2026, 0, 1, 12, 0, 0);

function response(status: number, headers: Record<string, string> = {}, body = ''): HttpResponse {
  return {
    status,
    headers,
    body: new TextEncoder().encode(body),
    request: { method: 'GET', url: new URL('https://api.example.com/x'), headers: {} },
  };
}

describe('parseRetryAfter', () => {
  it('reads delta seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
  });

  it('reads an HTTP-date relative to now', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 11:59:00 GMT', now)).toBe(-60_000);
  });

  it('rejects garbage and negative numbers', () => {
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
  });
});

describe('parseResetHeader', () => {
  it('reads epoch seconds (GitHub)', () => {
    expect(parseResetHeader(String(now / 1000 + 60), now)).toBe(now + 60_000);
  });

  it('reads small values as seconds from now', () => {
    expect(parseResetHeader('30', now)).toBe(now + 30_000);
  });

  it('reads epoch milliseconds', () => {
    expect(parseResetHeader(String(now + 5000), now)).toBe(now + 5000);
  });

  it('reads ISO 8601 dates (Jira)', () => {
    expect(parseResetHeader('2026-01-01T12:05Z', now)).toBe(now + 5 * 60_000);
    expect(parseResetHeader('2026-01-01T12:00:10.000Z', now)).toBe(now + 10_000);
  });

  it('returns undefined when unparseable', () => {
    expect(parseResetHeader('later', now)).toBeUndefined();
    expect(parseResetHeader('-1', now)).toBeUndefined();
  });
});

describe('readBudgetHeaders', () => {
  const names = { remaining: 'X-RateLimit-Remaining', reset: 'x-ratelimit-reset' };

  it('reads remaining and the absolute reset', () => {
    const res = response(200, { 'x-ratelimit-remaining': '42', 'x-ratelimit-reset': '10' });
    expect(readBudgetHeaders(res, names, now)).toEqual({ remaining: 42, resetAt: now + 10_000 });
  });

  it('takes the smallest count of a list form', () => {
    const res = response(200, { 'x-ratelimit-remaining': '10, 3;w=1' });
    expect(readBudgetHeaders(res, names, now)).toEqual({ remaining: 3, resetAt: undefined });
  });

  it('reports nothing when the headers are absent or garbage', () => {
    expect(readBudgetHeaders(response(200), names, now)).toEqual({});
    const garbage = response(200, { 'x-ratelimit-remaining': 'lots', 'x-ratelimit-reset': 'later' });
    expect(readBudgetHeaders(garbage, names, now)).toEqual({});
  });
});

describe('readRateLimitSignal', () => {
  it('treats 429 as a rate limit, with Retry-After seconds', () => {
    expect(readRateLimitSignal(response(429, { 'retry-after': '7' }), now)).toEqual({
      waitMs: 7000,
      reason: '429 rate limited',
    });
  });

  it('treats 429 without any header as a rate limit of unknown length', () => {
    expect(readRateLimitSignal(response(429), now)).toEqual({ reason: '429 rate limited' });
  });

  it('leaves waitMs undefined for Retry-After: 0 and past dates', () => {
    expect(readRateLimitSignal(response(429, { 'retry-after': '0' }), now)?.waitMs).toBeUndefined();
    const past = response(429, { 'retry-after': 'Thu, 01 Jan 2026 11:00:00 GMT' });
    expect(readRateLimitSignal(past, now)?.waitMs).toBeUndefined();
    const pastReset = response(429, { 'x-ratelimit-reset': String(now / 1000 - 10) });
    expect(readRateLimitSignal(pastReset, now)?.waitMs).toBeUndefined();
  });

  it('prefers Retry-After over the reset headers', () => {
    const res = response(429, { 'retry-after': '3', 'x-ratelimit-reset': '100', 'ratelimit-reset': '200' });
    expect(readRateLimitSignal(res, now)?.waitMs).toBe(3000);
  });

  it('falls back to x-ratelimit-reset, then RateLimit-Reset', () => {
    expect(readRateLimitSignal(response(429, { 'x-ratelimit-reset': '100' }), now)?.waitMs).toBe(100_000);
    expect(readRateLimitSignal(response(429, { 'ratelimit-reset': '200' }), now)?.waitMs).toBe(200_000);
    const badRetryAfter = response(429, { 'retry-after': 'soon', 'ratelimit-reset': '5' });
    expect(readRateLimitSignal(badRetryAfter, now)?.waitMs).toBe(5000);
  });

  it('recognises a GitHub primary limit: 403 with x-ratelimit-remaining: 0', () => {
    const res = response(403, {
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(now / 1000 + 3600),
    });
    expect(readRateLimitSignal(res, now)).toEqual({
      waitMs: 3_600_000,
      reason: '403 rate limited (x-ratelimit-remaining: 0)',
    });
  });

  it('recognises a GitHub secondary limit from the 403 body', () => {
    const body = '{"message":"You have exceeded a SECONDARY RATE LIMIT. Please wait a few minutes."}';
    expect(readRateLimitSignal(response(403, { 'retry-after': '60' }, body), now)).toEqual({
      waitMs: 60_000,
      reason: '403 secondary rate limit',
    });
    const primary = 'API rate limit exceeded for 1.2.3.4.';
    // A rate-limit body that is not a secondary limit, without headers: length unknown.
    expect(readRateLimitSignal(response(403, {}, primary), now)).toEqual({
      reason: '403 secondary rate limit',
    });
  });

  it('ignores the primary reset on a secondary limit while quota remains, and waits one minute', () => {
    const res = response(
      403,
      { 'x-ratelimit-remaining': '4000', 'x-ratelimit-reset': String(now / 1000 + 3000) },
      'You have exceeded a secondary rate limit',
    );
    expect(readRateLimitSignal(res, now)).toEqual({ waitMs: 60_000, reason: '403 secondary rate limit' });
  });

  it('waits one minute for a secondary limit (403 or 429) that names no wait, as GitHub documents', () => {
    expect(SECONDARY_LIMIT_DEFAULT_WAIT_MS).toBe(60_000);
    const secondary = '{"message":"You have exceeded a secondary rate limit. Please wait a few minutes."}';
    expect(readRateLimitSignal(response(403, {}, secondary), now)).toEqual({
      waitMs: 60_000,
      reason: '403 secondary rate limit',
    });
    expect(readRateLimitSignal(response(429, {}, secondary), now)).toEqual({
      waitMs: 60_000,
      reason: '429 rate limited',
    });
    const abuse = 'You have triggered an abuse detection mechanism.';
    expect(readRateLimitSignal(response(403, {}, abuse), now)?.waitMs).toBe(60_000);
    // Unparseable Retry-After is no wait header at all.
    expect(readRateLimitSignal(response(403, { 'retry-after': 'soon' }, secondary), now)?.waitMs).toBe(
      60_000,
    );
  });

  it('lets a secondary limit that names a wait keep it, even when shorter than a minute', () => {
    const secondary = 'You have exceeded a secondary rate limit';
    expect(readRateLimitSignal(response(403, { 'retry-after': '5' }, secondary), now)?.waitMs).toBe(5000);
    const spent = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 20) };
    expect(readRateLimitSignal(response(403, spent, secondary), now)?.waitMs).toBe(20_000);
    // Retry-After: 0 is a wait header: the caller's backoff applies, as for any 429.
    expect(
      readRateLimitSignal(response(403, { 'retry-after': '0' }, secondary), now)?.waitMs,
    ).toBeUndefined();
  });

  it('gives no default wait to a 429 whose body is not a secondary limit', () => {
    expect(readRateLimitSignal(response(429, {}, 'Too Many Requests'), now)).toEqual({
      reason: '429 rate limited',
    });
  });

  it('does not treat a plain 403 or other statuses as rate limits', () => {
    expect(
      readRateLimitSignal(response(403, {}, '{"message":"Resource not accessible"}'), now),
    ).toBeUndefined();
    expect(readRateLimitSignal(response(403, { 'x-ratelimit-remaining': '12' }), now)).toBeUndefined();
    expect(readRateLimitSignal(response(503, { 'retry-after': '5' }), now)).toBeUndefined();
    expect(readRateLimitSignal(response(200, { 'x-ratelimit-remaining': '0' }), now)).toBeUndefined();
  });

  it('only sniffs the first 4 KiB of the body', () => {
    const late = `${' '.repeat(5000)}secondary rate limit`;
    expect(readRateLimitSignal(response(403, {}, late), now)).toBeUndefined();
  });
});
