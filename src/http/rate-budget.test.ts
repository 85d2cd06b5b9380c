import { describe, expect, it } from 'vitest';
import { isInletError } from '../errors/errors.js';
import { VirtualClock } from '../testing/virtual-clock.js';
import { type BudgetDecision, type BudgetStore, memoryBudgetStore } from './budget-store.js';
import { systemClock } from './clock.js';
import { type RateBudgetOptions, rateBudgetPolicy } from './rate-budget.js';
import type { Handler, HttpEvent, HttpRequest, HttpResponse } from './types.js';

type Reply = { status?: number; headers?: Record<string, string> };
interface Sent {
  path: string;
  origin: string;
  credential?: string;
  at: number;
}

/** A fake transport answering through `reply`, recording what was sent and when (on the clock). */
function setup(
  options: Omit<RateBudgetOptions, 'clock'> = {},
  reply: (req: HttpRequest) => Reply | Promise<Reply> = () => ({}),
) {
  const clock = new VirtualClock();
  const start = clock.now();
  const sent: Sent[] = [];
  const events: HttpEvent[] = [];
  const next: Handler = async (req) => {
    sent.push({
      path: req.url.pathname,
      origin: req.url.origin,
      credential: req.credentialKey,
      at: clock.now(),
    });
    const { status = 200, headers = {} } = await reply(req);
    return { status, headers, body: new Uint8Array(), request: req } satisfies HttpResponse;
  };
  const handler = rateBudgetPolicy({ ...options, clock, onEvent: (e) => events.push(e) })(next);
  const offsets = (path?: RegExp) => sent.filter((s) => !path || path.test(s.path)).map((s) => s.at - start);
  return { clock, start, sent, events, handler, offsets };
}

function req(path: string, extra: Partial<HttpRequest> = {}): HttpRequest {
  const url = path.startsWith('http') ? new URL(path) : new URL(`https://api.example.com${path}`);
  return { method: 'GET', url, headers: {}, ...extra };
}

describe('rateBudgetPolicy', () => {
  it('lets a full bucket through at once, then spaces the rest at the refill rate', async () => {
    const { handler, offsets, events } = setup({ requests: 10, per: 1000 });
    await Promise.all(Array.from({ length: 15 }, (_, i) => handler(req(`/${i}`))));
    expect(offsets()).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100, 200, 300, 400, 500]);
    expect(events).toHaveLength(5);
    expect(events[0]).toEqual({
      type: 'rate-limit-wait',
      origin: 'https://api.example.com',
      waitMs: 100,
      reason: 'rate budget 10/1000ms',
    });
  });

  it('refills continuously while idle', async () => {
    const { handler, offsets, clock } = setup({ requests: 10, per: 1000 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => handler(req(`/a${i}`))));
    clock.advance(450);
    await Promise.all(Array.from({ length: 6 }, (_, i) => handler(req(`/b${i}`))));
    expect(offsets(/b/)).toEqual([450, 450, 450, 450, 500, 600]);
  });

  it('keeps separate buckets per credential and per origin', async () => {
    const { handler, sent, start } = setup({ requests: 2, per: 1000 });
    await Promise.all([
      ...['/a1', '/a2', '/a3'].map((p) => handler(req(p, { credentialKey: 'alice' }))),
      ...['/b1', '/b2', '/b3'].map((p) => handler(req(p, { credentialKey: 'bob' }))),
      ...['/c1', '/c2'].map((p) => handler(req(`https://other.example.com${p}`, { credentialKey: 'alice' }))),
    ]);
    const at = Object.fromEntries(sent.map((s) => [s.path, s.at - start]));
    expect(at).toEqual({
      '/a1': 0,
      '/a2': 0,
      '/a3': 500,
      '/b1': 0,
      '/b2': 0,
      '/b3': 500,
      '/c1': 0,
      '/c2': 0,
    });
  });

  it('blocks a key until the reset once the server reports remaining 0 (adaptive only)', async () => {
    const { handler, offsets, events } = setup({}, (r) =>
      r.url.pathname === '/last'
        ? { headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '60' } }
        : {},
    );
    await handler(req('/last', { credentialKey: 'alice' }));
    await Promise.all([
      handler(req('/after', { credentialKey: 'alice' })),
      handler(req('/other-credential', { credentialKey: 'bob' })),
    ]);
    expect(offsets(/after/)).toEqual([60_000]);
    expect(offsets(/other/)).toEqual([0]);
    expect(events).toEqual([
      {
        type: 'rate-limit-wait',
        origin: 'https://api.example.com',
        waitMs: 60_000,
        reason: 'x-ratelimit-remaining: 0',
      },
    ]);
  });

  it('reads custom header names and epoch resets', async () => {
    const clock = new VirtualClock();
    const headers = { 'ratelimit-remaining': '0', 'ratelimit-reset': String(clock.now() / 1000 + 30) };
    const { handler, offsets } = setup(
      { headers: { remaining: 'RateLimit-Remaining', reset: 'RateLimit-Reset' } },
      (r) => (r.url.pathname === '/first' ? { headers } : {}),
    );
    await handler(req('/first'));
    await handler(req('/second'));
    expect(offsets()).toEqual([0, 30_000]);
  });

  it('ignores remaining 0 without a usable reset, and a reset in the past', async () => {
    const { handler, offsets } = setup({}, () => ({
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1000000000' },
    }));
    await handler(req('/1'));
    await handler(req('/2'));
    expect(offsets()).toEqual([0, 0]);
  });

  it('lowers the bucket to the reported remaining minus requests in flight', async () => {
    const releases: Array<() => void> = [];
    const { handler, offsets } = setup({ requests: 100, per: 1000 }, (r) =>
      r.url.pathname === '/first'
        ? { headers: { 'x-ratelimit-remaining': '2' } }
        : r.url.pathname.startsWith('/slow')
          ? new Promise<Reply>((resolve) => releases.push(() => resolve({})))
          : {},
    );
    const slow = [handler(req('/slow1')), handler(req('/slow2'))];
    await new Promise((resolve) => setImmediate(resolve));
    // The server says 2 left, and 2 requests are already on their way: nothing to spare.
    await handler(req('/first'));
    await Promise.all([handler(req('/next1')), handler(req('/next2'))]);
    expect(offsets(/next/)).toEqual([10, 20]);
    for (const release of releases) release();
    await Promise.all(slow);
  });

  describe('the server-reported quota', () => {
    // The server's quota: `remaining` left, reset in `reset` seconds from now.
    const quota = (remaining: number, reset = 60) => ({
      headers: { 'x-ratelimit-remaining': String(remaining), 'x-ratelimit-reset': String(reset) },
    });

    it('is the budget until the reset, minus the requests in flight', async () => {
      const releases: Array<() => void> = [];
      const { handler, offsets } = setup({}, (r) =>
        r.url.pathname === '/report'
          ? quota(5)
          : r.url.pathname.startsWith('/slow')
            ? new Promise<Reply>((resolve) => releases.push(() => resolve({})))
            : {},
      );
      const slow = ['/slow1', '/slow2', '/slow3'].map((p) => handler(req(p)));
      await new Promise((resolve) => setImmediate(resolve));
      // Remaining 5 while 3 are in flight: at most 2 more start before the next report.
      await handler(req('/report'));
      await Promise.all(['/n1', '/n2', '/n3', '/n4'].map((p) => handler(req(p))));
      expect(offsets(/^\/n/)).toEqual([0, 0, 60_000, 60_000]);
      for (const release of releases) release();
      await Promise.all(slow);
    });

    it('replaces the declared pacing: 5000/h does not space requests the server has quota for', async () => {
      const { handler, offsets } = setup({ requests: 5000, per: 3_600_000 }, () => quota(10_000));
      for (let i = 0; i < 6000; i++) await handler(req(`/${i}`));
      expect(offsets().at(-1)).toBe(0);
    });

    it('keeps the declared rate as a ceiling with strict', async () => {
      const { handler, offsets } = setup({ requests: 2, per: 1000, strict: true }, () => quota(100));
      await Promise.all(['/1', '/2', '/3', '/4'].map((p) => handler(req(p))));
      expect(offsets()).toEqual([0, 0, 500, 1000]);
    });

    it('never refills within one window from an answer that arrives late', async () => {
      let reported = 0;
      // Answers in the order 3, 9 (the 9 was counted first but arrived last), then nothing.
      const { handler, offsets } = setup({}, () => [quota(3), quota(9)][reported++] ?? {});
      await handler(req('/a'));
      await handler(req('/b'));
      await Promise.all(['/1', '/2', '/3', '/4'].map((p) => handler(req(p))));
      expect(offsets(/^\/\d/)).toEqual([0, 0, 60_000, 60_000]);
    });

    it('takes a later reset as the next window, and ignores an answer from a window already ended', async () => {
      const { handler, offsets, clock } = setup({}, (r) => {
        if (r.url.pathname === '/a') return quota(1, 10);
        // The server started its next window early: 5 left until 30 s from now.
        if (r.url.pathname === '/b') return quota(5, 30);
        const past = String(clock.now() / 1000 - 1);
        return r.url.pathname === '/late'
          ? { headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': past } }
          : {};
      });
      for (const path of ['/a', '/b', '/late']) await handler(req(path));
      await Promise.all(['/1', '/2', '/3', '/4', '/5'].map((p) => handler(req(p))));
      expect(offsets()).toEqual([0, 0, 0, 0, 0, 0, 0, 30_000]);
    });

    it('spread: paces the remaining quota evenly to the reset', async () => {
      const { handler, offsets } = setup({ spread: true }, (r) =>
        r.url.pathname === '/first' ? quota(4, 4) : {},
      );
      await handler(req('/first'));
      await Promise.all(['/1', '/2', '/3', '/4', '/5'].map((p) => handler(req(p))));
      expect(offsets(/^\/\d/)).toEqual([0, 1000, 2000, 3000, 4000]);
    });

    it('works the same through a store that answers with promises (a shared store)', async () => {
      const memory = memoryBudgetStore();
      const store: BudgetStore = {
        acquire: async (...args) => memory.acquire(...args),
        settle: async (...args) => memory.settle(...args),
      };
      const { handler, offsets } = setup({ store }, (r) => (r.url.pathname === '/first' ? quota(2, 30) : {}));
      await handler(req('/first'));
      await Promise.all(['/1', '/2', '/3'].map((p) => handler(req(p))));
      expect(offsets(/^\/\d/)).toEqual([0, 0, 30_000]);
    });

    it('sends at once, with no wait event, when a shared store answers with a wait that already ended', async () => {
      let asked = 0;
      const store: BudgetStore = {
        // The first answer comes back after its own `until` (a slow round trip to a shared store).
        acquire: async (_key, _rules, now) =>
          (asked++ === 0 ? { go: false, until: now - 5, cause: 'quota' } : { go: true }) as BudgetDecision,
        settle: async () => {},
      };
      const { handler, offsets, events } = setup({ store });
      await handler(req('/x'));
      expect(offsets()).toEqual([0]);
      expect(asked).toBe(2);
      expect(events.filter((e) => e.type === 'rate-limit-wait')).toEqual([]);
    });

    it('lets a request queued behind a waiting one leave at once when aborted', async () => {
      const { handler, offsets } = setup({}, (r) => (r.url.pathname === '/first' ? quota(0, 30) : {}));
      await handler(req('/first'));
      const head = handler(req('/head'));
      const controller = new AbortController();
      const behind = handler(req('/behind', { signal: controller.signal }));
      controller.abort(new Error('cancelled'));
      await expect(behind).rejects.toThrow('cancelled');
      await head;
      await handler(req('/after'));
      expect(offsets()).toEqual([0, 30_000, 30_000]);
    });

    it('rejects strict without a declared rate', () => {
      expect(() => rateBudgetPolicy({ strict: true, clock: systemClock })).toThrow(/strict/);
    });
  });

  it('after a 429 with Retry-After, holds every request to that origin but not other origins', async () => {
    const { handler, offsets, events } = setup({ requests: 1, per: 1000 }, (r) =>
      r.url.pathname === '/limited' ? { status: 429, headers: { 'retry-after': '30' } } : {},
    );
    const limited = handler(req('/limited', { credentialKey: 'alice' }));
    // Queued for the next token (at 1000 ms) when the 429 lands at 0 ms.
    const queued = handler(req('/queued', { credentialKey: 'alice' }));
    expect((await limited).status).toBe(429);
    await Promise.all([
      queued,
      handler(req('/other-credential', { credentialKey: 'bob' })),
      handler(req('https://other.example.com/free', { credentialKey: 'alice' })),
    ]);
    expect(offsets(/queued/)).toEqual([30_000]);
    expect(offsets(/other-credential/)).toEqual([30_000]);
    expect(offsets(/free/)).toEqual([0]);
    expect(
      events.filter((e) => e.type === 'rate-limit-wait' && e.reason === '429 rate limited'),
    ).toHaveLength(2);
  });

  it('does not block an origin for a rate limit of unknown length', async () => {
    const { handler, offsets } = setup({}, (r) => (r.url.pathname === '/limited' ? { status: 429 } : {}));
    await handler(req('/limited'));
    await handler(req('/next'));
    expect(offsets()).toEqual([0, 0]);
  });

  describe('maxWait', () => {
    const start = new VirtualClock().now();
    // GitHub's primary limit: 403, quota spent, reset in epoch seconds.
    const githubPrimary =
      (resetInMs: number) =>
      (r: HttpRequest): Reply =>
        r.url.pathname === '/limited'
          ? {
              status: 403,
              headers: {
                'x-ratelimit-remaining': '0',
                'x-ratelimit-reset': String((start + resetInMs) / 1000),
              },
            }
          : {};

    it('fails fast when a GitHub primary limit resets later than maxWait (default 15m)', async () => {
      const { handler, sent, clock, events } = setup({}, githubPrimary(50 * 60_000));
      expect((await handler(req('/limited', { credentialKey: 'alice' }))).status).toBe(403);
      for (const credentialKey of ['alice', 'bob']) {
        const error = await handler(req('/next?token=secret', { method: 'POST', credentialKey })).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isInletError(error, 'E_RATE_LIMIT')).toBe(true);
        expect(error).toMatchObject({ method: 'POST', waitMs: 50 * 60_000 });
        expect((error as Error).message).toMatch(/^rate budget exhausted: the server .* 50m .*maxWait 15m$/);
        expect((error as Error).message).not.toMatch(/secret|example/);
      }
      expect(sent.map((s) => s.path)).toEqual(['/limited']);
      expect(clock.now()).toBe(start);
      expect(events).toEqual([]);
      // Other origins are not held.
      expect((await handler(req('https://other.example.com/free', { credentialKey: 'alice' }))).status).toBe(
        200,
      );
    });

    it('waits out a block shorter than maxWait', async () => {
      const { handler, offsets } = setup({}, githubPrimary(2 * 60_000));
      await handler(req('/limited', { credentialKey: 'alice' }));
      await Promise.all([
        handler(req('/next', { credentialKey: 'alice' })),
        handler(req('/other-credential', { credentialKey: 'bob' })),
      ]);
      expect(offsets()).toEqual([0, 120_000, 120_000]);
    });

    it('honours a custom maxWait for a Retry-After block', async () => {
      const { handler, offsets } = setup({ maxWait: 20_000 }, (r) =>
        r.url.pathname === '/limited' ? { status: 429, headers: { 'retry-after': '30' } } : {},
      );
      await handler(req('/limited'));
      await expect(handler(req('/next'))).rejects.toMatchObject({
        code: 'E_RATE_LIMIT',
        message:
          'rate budget exhausted: the server asks to wait 30s (429 rate limited), longer than maxWait 20s',
      });
      expect(offsets()).toEqual([0]);
    });

    it('spaces by the budget past maxWait in total, but fails fast on one token wait longer than it', async () => {
      const { handler, offsets, clock } = setup({ requests: 2, per: 40 * 60_000 });
      await Promise.all([handler(req('/1')), handler(req('/2'))]);
      // The next token is free in 20m, more than 15m.
      await expect(handler(req('/rejected'))).rejects.toMatchObject({
        code: 'E_RATE_LIMIT',
        waitMs: 20 * 60_000,
        message:
          'rate budget exhausted: the next token is free in 20m (rate budget 2/2400000ms), longer than maxWait 15m',
      });
      // The rejected request gave its token back: after 5m idle the next token is 15m away, not 35m.
      clock.advance(5 * 60_000);
      await handler(req('/3'));
      expect(offsets()).toEqual([0, 0, 20 * 60_000]);
    });

    it('rejects a negative maxWait', () => {
      expect(() => rateBudgetPolicy({ maxWait: -1, clock: systemClock })).toThrow(/maxWait/);
    });
  });

  it('blocks the origin that answered when the response comes from another hop', async () => {
    const clock = new VirtualClock();
    const sent: Array<{ origin: string; at: number }> = [];
    const start = clock.now();
    // '/moved' stands for a request redirected below the budget: the 429 comes from the CDN's origin.
    const handler = rateBudgetPolicy({ clock })(async (r): Promise<HttpResponse> => {
      sent.push({ origin: r.url.origin, at: clock.now() - start });
      if (r.url.pathname !== '/moved')
        return { status: 200, headers: {}, body: new Uint8Array(), request: r };
      const request = { ...r, url: new URL('https://cdn.example.com/x') };
      return { status: 429, headers: { 'retry-after': '30' }, body: new Uint8Array(), request };
    });
    await handler(req('/moved'));
    await handler(req('/same-origin'));
    await handler(req('https://cdn.example.com/y'));
    expect(sent).toEqual([
      { origin: 'https://api.example.com', at: 0 },
      { origin: 'https://api.example.com', at: 0 },
      { origin: 'https://cdn.example.com', at: 30_000 },
    ]);
  });

  it('rejects an aborted waiting request without sending it, and gives its token back', async () => {
    const { handler, offsets, clock, start } = setup({ requests: 1, per: 60_000 });
    await handler(req('/first'));
    const controller = new AbortController();
    const waiting = handler(req('/aborted', { signal: controller.signal }));
    controller.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
    expect(clock.now()).toBe(start);
    await handler(req('/third'));
    expect(offsets()).toEqual([0, 60_000]);
  });

  it('rejects an aborted waiting request promptly in real time', async () => {
    const handler = rateBudgetPolicy({ requests: 1, per: 10_000, clock: systemClock })(async (r) => ({
      status: 200,
      headers: {},
      body: new Uint8Array(),
      request: r,
    }));
    await handler(req('/first'));
    const began = performance.now();
    const waiting = handler(req('/second', { signal: AbortSignal.timeout(5) }));
    await expect(waiting).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(performance.now() - began).toBeLessThan(1000);
  });

  it('rejects half a budget', () => {
    for (const options of [
      { requests: 10 },
      { per: 1000 },
      { requests: 0, per: 1000 },
      { requests: 5, per: 0 },
    ]) {
      let error: unknown;
      try {
        rateBudgetPolicy({ ...options, clock: systemClock });
      } catch (e) {
        error = e;
      }
      expect(isInletError(error, 'E_CONFIG')).toBe(true);
    }
  });
});
