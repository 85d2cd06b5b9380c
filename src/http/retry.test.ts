import { describe, expect, it } from 'vitest';
import { isInletError, NetworkError, RateLimitError, TimeoutError } from '../errors/errors.js';
import { VirtualClock } from '../testing/virtual-clock.js';
import { type RetryOptions, retryPolicy } from './retry.js';
import type { HttpEvent, HttpRequest, HttpResponse } from './types.js';

type Step = { status: number; headers?: Record<string, string>; body?: string } | Error;

/** A fake transport replaying `steps` in order (the last one repeats), recording each call's attempt and time. */
function scripted(clock: VirtualClock, steps: Step[]) {
  const calls: Array<{ attempt?: number; at: number }> = [];
  const next = async (req: HttpRequest): Promise<HttpResponse> => {
    calls.push({ attempt: req.attempt, at: clock.now() });
    const step = steps[Math.min(calls.length - 1, steps.length - 1)];
    if (step === undefined) throw new Error('no steps');
    if (step instanceof Error) throw step;
    return {
      status: step.status,
      headers: step.headers ?? {},
      body: new TextEncoder().encode(step.body ?? ''),
      request: req,
    };
  };
  return { next, calls };
}

function setup(steps: Step[], options: RetryOptions = {}) {
  const clock = new VirtualClock();
  const start = clock.now();
  const events: HttpEvent[] = [];
  const { next, calls } = scripted(clock, steps);
  const handler = retryPolicy({ ...options, clock, random: () => 0.5, onEvent: (e) => events.push(e) })(next);
  return { clock, start, events, calls, handler };
}

function get(extra: Partial<HttpRequest> = {}): HttpRequest {
  return { method: 'GET', url: new URL('https://api.example.com/items'), headers: {}, ...extra };
}

describe('retryPolicy', () => {
  it.each([408, 425, 429, 500, 502, 503, 504])(
    'retries status %i, then returns the success',
    async (status) => {
      const { handler, calls } = setup([{ status }, { status: 200 }]);
      const res = await handler(get());
      expect(res.status).toBe(200);
      expect(calls.map((c) => c.attempt)).toEqual([1, 2]);
    },
  );

  it('backs off exponentially with jitter and reports each retry', async () => {
    const { handler, calls, clock, start, events } = setup([
      { status: 503 },
      { status: 503 },
      { status: 200 },
    ]);
    await handler(get());
    // random() = 0.5: half of 500ms, then half of 1000ms.
    expect(clock.sleeps).toEqual([250, 500]);
    expect(calls.map((c) => c.at - start)).toEqual([0, 250, 750]);
    expect(events).toEqual([
      { type: 'retry', method: 'GET', url: get().url, attempt: 1, delayMs: 250, reason: '503' },
      { type: 'retry', method: 'GET', url: get().url, attempt: 2, delayMs: 500, reason: '503' },
    ]);
  });

  it('honours Retry-After in seconds', async () => {
    const { handler, calls, start, events } = setup([
      { status: 429, headers: { 'retry-after': '30' } },
      { status: 200 },
    ]);
    await handler(get());
    expect(calls[1]?.at).toBe(start + 30_000);
    expect(events[0]).toMatchObject({ delayMs: 30_000, reason: '429 rate limited' });
  });

  it('honours Retry-After as an HTTP-date', async () => {
    const clock = new VirtualClock();
    const date = new Date(clock.now() + 90_000).toUTCString();
    const { next, calls } = scripted(clock, [
      { status: 429, headers: { 'retry-after': date } },
      { status: 200 },
    ]);
    await retryPolicy({ clock, random: () => 0.5 })(next)(get());
    expect(calls[1]?.at).toBe(clock.now());
    expect(clock.sleeps).toEqual([90_000]);
  });

  it('honours Retry-After on a 503', async () => {
    const { handler, clock } = setup([{ status: 503, headers: { 'retry-after': '12' } }, { status: 200 }]);
    await handler(get());
    expect(clock.sleeps).toEqual([12_000]);
  });

  it('honours x-ratelimit-reset as epoch seconds, delta seconds and ISO 8601', async () => {
    const start = new VirtualClock().now();
    const resets = [String(start / 1000 + 60), '45', new Date(start + 120_000).toISOString()];
    const sleeps: number[][] = [];
    for (const reset of resets) {
      const { handler, clock } = setup([
        { status: 429, headers: { 'x-ratelimit-reset': reset } },
        { status: 200 },
      ]);
      await handler(get());
      sleeps.push(clock.sleeps);
    }
    expect(sleeps).toEqual([[60_000], [45_000], [120_000]]);
  });

  it('retries a GitHub rate-limit 403 until the reset, but not a plain 403', async () => {
    const limited = setup([
      { status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '300' } },
      { status: 200 },
    ]);
    expect((await limited.handler(get())).status).toBe(200);
    expect(limited.clock.sleeps).toEqual([300_000]);

    const secondary = setup([
      { status: 403, body: 'You have exceeded a secondary rate limit' },
      { status: 200 },
    ]);
    expect((await secondary.handler(get())).status).toBe(200);
    // GitHub: a secondary limit without headers means waiting at least one minute.
    expect(secondary.events[0]).toMatchObject({ reason: '403 secondary rate limit', delayMs: 60_000 });

    const forbidden = setup([
      { status: 403, body: 'Resource not accessible by integration' },
      { status: 200 },
    ]);
    expect((await forbidden.handler(get())).status).toBe(403);
    expect(forbidden.calls).toHaveLength(1);
  });

  it('falls back to backoff (never 0) for Retry-After: 0', async () => {
    const { handler, clock } = setup([{ status: 429, headers: { 'retry-after': '0' } }, { status: 200 }], {
      backoff: { initial: 1000, max: 5000 },
    });
    await handler(get());
    expect(clock.sleeps).toEqual([500]);
  });

  it('throws RateLimitError without retrying when the wait exceeds maxWait', async () => {
    const { handler, calls, clock } = setup([
      { status: 429, headers: { 'retry-after': '7500' } },
      { status: 200 },
    ]);
    const error = await handler(get()).catch((e: unknown) => e);
    expect(isInletError(error, 'E_RATE_LIMIT')).toBe(true);
    expect(error).toBeInstanceOf(RateLimitError);
    const rateLimit = error as RateLimitError;
    expect(rateLimit.message).toBe('rate limited: server asks to wait 2h 5m, longer than maxWait 15m');
    expect(rateLimit).toMatchObject({ waitMs: 7_500_000, status: 429, method: 'GET', url: undefined });
    expect(calls).toHaveLength(1);
    expect(clock.slept).toBe(0);
  });

  it('returns a 503 whose Retry-After exceeds maxWait instead of waiting', async () => {
    const { handler, calls } = setup([{ status: 503, headers: { 'retry-after': '3600' } }, { status: 200 }]);
    expect((await handler(get())).status).toBe(503);
    expect(calls).toHaveLength(1);
  });

  it('does not retry POST unless the request opts in', async () => {
    const plain = setup([{ status: 503 }, { status: 200 }]);
    expect((await plain.handler(get({ method: 'POST' }))).status).toBe(503);
    expect(plain.calls).toHaveLength(1);

    const optedIn = setup([{ status: 503 }, { status: 200 }]);
    expect((await optedIn.handler(get({ method: 'POST', retry: true }))).status).toBe(200);
    expect(optedIn.calls).toHaveLength(2);

    const network = setup([new NetworkError('socket hang up'), { status: 200 }]);
    await expect(network.handler(get({ method: 'PATCH' }))).rejects.toThrow('socket hang up');
    expect(network.calls).toHaveLength(1);
  });

  it('does not retry 404', async () => {
    const { handler, calls } = setup([{ status: 404 }, { status: 200 }]);
    expect((await handler(get())).status).toBe(404);
    expect(calls).toHaveLength(1);
  });

  it('retries network errors and timeouts, naming them in the event', async () => {
    const { handler, calls, events } = setup([
      new NetworkError('socket hang up'),
      new TimeoutError('no response in 30s'),
      { status: 200 },
    ]);
    expect((await handler(get())).status).toBe(200);
    expect(calls).toHaveLength(3);
    expect(events.map((e) => (e.type === 'retry' ? e.reason : ''))).toEqual([
      'E_NETWORK: socket hang up',
      'E_TIMEOUT: no response in 30s',
    ]);
  });

  it('rethrows other errors at once', async () => {
    const { handler, calls } = setup([new TypeError('bug'), { status: 200 }]);
    await expect(handler(get())).rejects.toThrow(TypeError);
    expect(calls).toHaveLength(1);
  });

  it('returns the last response when attempts run out', async () => {
    const { handler, calls, events } = setup([{ status: 502 }], { attempts: 3 });
    const res = await handler(get());
    expect(res.status).toBe(502);
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(events).toHaveLength(2);
  });

  it('rethrows the last error when attempts run out', async () => {
    const { handler, calls } = setup([new NetworkError('first'), new NetworkError('last')], { attempts: 2 });
    await expect(handler(get())).rejects.toThrow('last');
    expect(calls).toHaveLength(2);
  });

  it('uses custom statuses', async () => {
    const { handler, calls } = setup([{ status: 409 }, { status: 503 }, { status: 200 }], {
      statuses: [409],
    });
    expect((await handler(get())).status).toBe(503);
    expect(calls).toHaveLength(2);
  });

  it('stops when the request is aborted during the wait', async () => {
    const controller = new AbortController();
    const { handler, calls } = setup([{ status: 503 }, { status: 200 }]);
    const pending = handler(get({ signal: controller.signal }));
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort(new Error('cancelled'));
    await expect(pending).rejects.toThrow('cancelled');
    expect(calls).toHaveLength(1);
  });

  it('does not retry an error caused by the abort', async () => {
    const controller = new AbortController();
    controller.abort();
    const { handler, calls } = setup([new TimeoutError('aborted'), { status: 200 }]);
    await expect(handler(get({ signal: controller.signal }))).rejects.toThrow('aborted');
    expect(calls).toHaveLength(1);
  });
});
