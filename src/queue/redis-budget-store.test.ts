import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isInletError } from '../errors/errors.js';
import {
  type BudgetDecision,
  type BudgetKey,
  type BudgetRules,
  memoryBudgetStore,
} from '../http/budget-store.js';
import { seededRandom } from '../testing/prng.js';
import { redisUnavailable, startRedis, type TestRedis } from '../testing/redis.js';
import {
  type RedisBudgetStore,
  type RedisBudgetStoreOptions,
  redisBudgetStore,
} from './redis-budget-store.js';

// The shared budget against a real Redis (throwaway or INLET_TEST_REDIS_URL). Every store below has its
// own connection, as separate worker processes would; time is passed in, so it is virtual here.

const unavailable = redisUnavailable();
if (unavailable) console.warn(unavailable);

const T0 = Date.UTC(2026, 0, 1);
const KEY: BudgetKey = { origin: 'https://api.example.test', credential: 'fp:bearer:0123456789abcdef' };
const NO_RULES: BudgetRules = {};

describe.skipIf(unavailable)('redisBudgetStore', () => {
  let redis: TestRedis;
  let stores: RedisBudgetStore[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
    stores = [];
  });
  const open = (n: number, options: RedisBudgetStoreOptions = {}) => {
    const prefix = `${redis.prefix}${Math.random().toString(36).slice(2)}:`;
    const made = Array.from({ length: n }, () => redisBudgetStore(redis.url, { prefix, ...options }));
    stores.push(...made);
    return made;
  };
  const grants = async (store: RedisBudgetStore, now: number, tries: number) => {
    let granted = 0;
    for (let i = 0; i < tries; i += 1) if ((await store.acquire(KEY, NO_RULES, now)).go) granted += 1;
    return granted;
  };

  for (const n of [2, 4]) {
    it(`${n} stores racing for a window of 25 are granted exactly 25 between them`, async () => {
      const all = open(n);
      const [first] = all;
      if (!first) throw new Error('no store');
      // One answer tells the window: 26 left, so 25 once the request that learned it is settled.
      expect(await first.acquire(KEY, NO_RULES, T0)).toEqual({ go: true });
      await first.settle(KEY, { remaining: 25, resetAt: T0 + 2000 }, NO_RULES, T0);
      const granted = await Promise.all(
        all.map((store) =>
          Promise.all(Array.from({ length: 20 }, () => store.acquire(KEY, NO_RULES, T0 + 1))),
        ),
      );
      const go = granted.flat().filter((d) => d.go).length;
      expect(go).toBe(25);
      // The ones refused wait for the reset every store learned from one answer.
      expect(granted.flat().find((d) => !d.go)).toEqual({ go: false, until: T0 + 2000, cause: 'quota' });
      // After the reset nothing is known until the server reports again: requests may go.
      expect(await all[n - 1]?.acquire(KEY, NO_RULES, T0 + 2000)).toEqual({ go: true });
    });
  }

  it('requests in flight in any process count against the remaining another process learns', async () => {
    const [a, b, c] = open(3);
    if (!a || !b || !c) throw new Error('no store');
    expect(await grants(b, T0, 3)).toBe(3);
    expect(await a.acquire(KEY, NO_RULES, T0)).toEqual({ go: true });
    // The server says 10 left, but b's 3 requests may not be counted in it yet.
    await a.settle(KEY, { remaining: 10, resetAt: T0 + 60_000 }, NO_RULES, T0);
    expect(await grants(c, T0, 20)).toBe(7);
    // A later, lower count in the same window wins; a higher one (out of order) does not.
    await b.settle(KEY, { remaining: 12, resetAt: T0 + 60_000 }, NO_RULES, T0 + 5);
    expect(await grants(a, T0 + 5, 5)).toBe(0);
  });

  it('a rate-limit answer seen by one process pauses all of them for that origin until it ends', async () => {
    const [a, b, c, d] = open(4);
    if (!a || !b || !c || !d) throw new Error('no store');
    expect(await a.acquire(KEY, NO_RULES, T0)).toEqual({ go: true });
    const block = { origin: KEY.origin, until: T0 + 30_000, reason: 'retry-after: 30' };
    await a.settle(KEY, { block }, NO_RULES, T0);
    const other: BudgetKey = { origin: KEY.origin, credential: 'fp:bearer:another' };
    for (const [store, key] of [
      [b, KEY],
      [c, other],
      [d, KEY],
    ] as const) {
      expect(await store.acquire(key, NO_RULES, T0 + 10)).toEqual({
        go: false,
        until: T0 + 30_000,
        cause: 'blocked',
        reason: 'retry-after: 30',
      });
    }
    // A shorter block reported later does not shorten it; another origin is not held back.
    await b.settle(KEY, { block: { ...block, until: T0 + 1000 } }, NO_RULES, T0 + 10);
    expect((await c.acquire(KEY, NO_RULES, T0 + 2000)).go).toBe(false);
    expect((await c.acquire({ origin: 'https://other.test', credential: '' }, NO_RULES, T0 + 10)).go).toBe(
      true,
    );
    expect(await d.acquire(KEY, NO_RULES, T0 + 30_000)).toEqual({ go: true });
  });

  it('a block reported for the origin a request was redirected to holds back that origin', async () => {
    const [a, b] = open(2);
    if (!a || !b) throw new Error('no store');
    const cdn: BudgetKey = { origin: 'https://cdn.example.test', credential: '' };
    await a.acquire(KEY, NO_RULES, T0);
    await a.settle(KEY, { block: { origin: cdn.origin, until: T0 + 5000, reason: '429' } }, NO_RULES, T0);
    expect(await b.acquire(cdn, NO_RULES, T0 + 1)).toMatchObject({ go: false, cause: 'blocked' });
    expect(await b.acquire(KEY, NO_RULES, T0 + 1)).toEqual({ go: true });
  });

  it('a process killed while holding reservations gives them back after reservationTtl', async () => {
    const [survivor, victim] = open(2, { reservationTtl: 60_000 });
    if (!survivor || !victim) throw new Error('no store');
    expect(await grants(victim, T0, 3)).toBe(3);
    // Dies without settling: its connection is cut, its process-local bookkeeping gone with it.
    await victim.close();
    const window = async (at: number) => {
      expect(await survivor.acquire(KEY, NO_RULES, at)).toEqual({ go: true });
      await survivor.settle(KEY, { remaining: 10, resetAt: at + 10_000 }, NO_RULES, at);
      const granted = await grants(survivor, at, 20);
      // The survivor's own requests end: only the victim's reservations are left.
      for (let i = 0; i < granted; i += 1) await survivor.settle(KEY, {}, NO_RULES, at);
      return granted;
    };
    // Still counted in flight: 10 - 3.
    expect(await window(T0 + 1000)).toBe(7);
    // Past the reservations' lifetime the next window is whole again.
    expect(await window(T0 + 61_000)).toBe(10);
  });

  it('the declared rate is one bucket across processes', async () => {
    const [a, b] = open(2);
    if (!a || !b) throw new Error('no store');
    const rules: BudgetRules = { declared: { requests: 4, per: 1000 } };
    const decisions = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).acquire(KEY, rules, T0)),
    );
    expect(decisions.filter((d) => d.go)).toHaveLength(4);
    expect(decisions.find((d) => !d.go)).toEqual({ go: false, until: T0 + 250, cause: 'declared' });
  });

  it('decides like the in-memory store over a seeded run of acquires and reports', async () => {
    const [shared] = open(1);
    if (!shared) throw new Error('no store');
    const memory = memoryBudgetStore();
    const random = seededRandom(11);
    const rulesSet: BudgetRules[] = [
      {},
      { declared: { requests: 5, per: 1000 } },
      { declared: { requests: 5, per: 1000 }, strict: true },
      { spread: true },
    ];
    // One clock for the whole run: time never goes back, as between real calls.
    let now = T0;
    for (const [r, rules] of rulesSet.entries()) {
      const key = { ...KEY, credential: `rules-${r}` };
      let inFlight = 0;
      for (let step = 0; step < 300; step += 1) {
        now += Math.floor(random() * 120);
        if (inFlight === 0 || random() < 0.55) {
          // The in-memory store answers synchronously.
          const want = memory.acquire(key, rules, now) as BudgetDecision;
          const got = await shared.acquire(key, rules, now);
          // Redis replies whole ms: a wake-up rounded up, never early.
          expect(got, `rules ${r} step ${step}`).toEqual(
            want.go ? want : { ...want, until: Math.ceil(want.until) },
          );
          if (want.go) inFlight += 1;
        } else {
          const roll = random();
          const resetAt = T0 + Math.ceil((now - T0 + 1) / 2000) * 2000;
          const report =
            roll < 0.15
              ? {}
              : roll < 0.25
                ? { remaining: Math.floor(random() * 10) }
                : roll < 0.3
                  ? { block: { origin: key.origin, until: now + 700, reason: '429' } }
                  : { remaining: Math.floor(random() * 12), resetAt };
          memory.settle(key, report, rules, now);
          await shared.settle(key, report, rules, now);
          inFlight -= 1;
        }
      }
    }
  });

  it('keys name neither the origin nor the credential, and expire', async () => {
    const [store] = open(1, { idleTtl: 600_000 });
    if (!store) throw new Error('no store');
    const secretKey: BudgetKey = { origin: 'https://secret-host.test', credential: 'ghp_topsecret' };
    await store.acquire(secretKey, NO_RULES, T0);
    await store.settle(
      secretKey,
      {
        remaining: 5,
        resetAt: T0 + 3_600_000,
        block: { origin: secretKey.origin, until: T0 + 1000, reason: 'x' },
      },
      NO_RULES,
      T0,
    );
    await store.acquire(secretKey, NO_RULES, T0);
    const admin = new Redis(redis.url);
    try {
      const keys = await admin.keys(`${redis.prefix}*`);
      expect(keys.length).toBeGreaterThanOrEqual(3);
      for (const key of keys) {
        expect(key).not.toMatch(/secret|topsecret|ghp_/);
        const ttl = await admin.pttl(key);
        expect(ttl, key).toBeGreaterThan(0);
        // The window state lives until its reset (an hour here), the rest for idleTtl.
        expect(ttl, key).toBeLessThanOrEqual(3_600_000);
      }
    } finally {
      admin.disconnect();
    }
  });

  it('an unreachable Redis fails the request with E_NETWORK and no password in the message', async () => {
    const store = redisBudgetStore('redis://:hunter2pass@127.0.0.1:1', { prefix: redis.prefix });
    stores.push(store);
    const error = await Promise.resolve(store.acquire(KEY, NO_RULES, T0)).catch((e: unknown) => e);
    expect(isInletError(error, 'E_NETWORK')).toBe(true);
    expect(String((error as Error).message)).not.toContain('hunter2pass');
  });

  it('a settle that cannot reach Redis still delivers the response and reports the failure', async () => {
    const failures: unknown[] = [];
    const store = redisBudgetStore('redis://127.0.0.1:1', { onError: (e) => failures.push(e) });
    stores.push(store);
    await expect(
      store.settle(KEY, { remaining: 3, resetAt: T0 + 1000 }, NO_RULES, T0),
    ).resolves.toBeUndefined();
    expect(failures).toHaveLength(1);
    expect(isInletError(failures[0], 'E_NETWORK')).toBe(true);
  });

  it('loads its scripts again after Redis forgot them (SCRIPT FLUSH, a restart)', async () => {
    const [store] = open(1);
    if (!store) throw new Error('no store');
    expect(await store.acquire(KEY, NO_RULES, T0)).toEqual({ go: true });
    const admin = new Redis(redis.url);
    try {
      await admin.script('FLUSH');
    } finally {
      admin.disconnect();
    }
    await store.settle(KEY, { remaining: 0, resetAt: T0 + 1000 }, NO_RULES, T0);
    expect(await store.acquire(KEY, NO_RULES, T0)).toEqual({ go: false, until: T0 + 1000, cause: 'quota' });
  });

  it('refuses a reservationTtl that is not a positive number of ms', () => {
    expect(() => redisBudgetStore(redis.url, { reservationTtl: 0 })).toThrow(
      /reservationTtl must be a positive/,
    );
  });
});
