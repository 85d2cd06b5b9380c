import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BudgetKey, BudgetRules } from '../http/budget-store.js';
import { redisUnavailable, startRedis, type TestRedis } from '../testing/redis.js';
import {
  type RedisBudgetStore,
  type RedisBudgetStoreOptions,
  redisBudgetStore,
} from './redis-budget-store.js';

// Leases (redisBudgetStore's `lease`): one round trip reserves several requests while the window is
// ample. They must never let processes together exceed the window, and a rejection any process learns
// must stop the others' leases. Real Redis; virtual time passed in.

const unavailable = redisUnavailable();
const T0 = Date.UTC(2026, 0, 1);
const KEY: BudgetKey = { origin: 'https://api.example.test', credential: 'fp:bearer:lease' };
const NO_RULES: BudgetRules = {};

describe.skipIf(unavailable)('redisBudgetStore leases', () => {
  let redis: TestRedis;
  let admin: Redis;
  let stores: RedisBudgetStore[] = [];
  let prefix = '';
  beforeAll(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url);
  });
  afterAll(async () => {
    admin?.disconnect();
    await redis?.stop();
  });
  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
    stores = [];
  });
  const open = (n: number, options: RedisBudgetStoreOptions = {}) => {
    prefix = `${redis.prefix}${Math.random().toString(36).slice(2)}:`;
    const made = Array.from({ length: n }, () =>
      redisBudgetStore(redis.url, { prefix, lease: 16, ...options }),
    );
    stores.push(...made);
    return made;
  };
  /** Reservations held in Redis now (leased or in flight), across every process. */
  const reserved = async () => {
    const [flight] = await admin.keys(`${prefix}*:flight`);
    return flight ? admin.zcard(flight) : 0;
  };
  /** Tell the store the server's window: one request, answered with `remaining` left. */
  const learn = async (store: RedisBudgetStore, remaining: number, now = T0) => {
    expect(await store.acquire(KEY, NO_RULES, now)).toEqual({ go: true });
    await store.settle(KEY, { remaining, resetAt: T0 + 60_000 }, NO_RULES, now);
  };

  it('one round trip leases several requests; the next ones go without asking Redis', async () => {
    const [store] = open(1);
    if (!store) throw new Error('no store');
    await learn(store, 5000);
    // 1 + (5000 - 1) / 32 is more than the lease: 16 reserved at once.
    expect(await store.acquire(KEY, NO_RULES, T0 + 1)).toEqual({ go: true });
    expect(await reserved()).toBe(16);
    for (let i = 0; i < 15; i += 1) {
      const decision = store.acquire(KEY, NO_RULES, T0 + 2);
      expect(decision, `acquire ${i}`).not.toBeInstanceOf(Promise);
      expect(decision).toEqual({ go: true });
    }
    // The 17th asks Redis again.
    expect(store.acquire(KEY, NO_RULES, T0 + 3)).toBeInstanceOf(Promise);
  });

  for (const n of [2, 4]) {
    it(`${n} leasing stores racing for a window of 200 are granted exactly 200 between them`, async () => {
      const all = open(n);
      const [first] = all;
      if (!first) throw new Error('no store');
      await learn(first, 200);
      const decisions = await Promise.all(
        all.map(async (store) => {
          const got = [];
          // More tries than the window holds, so every store spends its whole lease.
          for (let i = 0; i < 250; i += 1) got.push(await store.acquire(KEY, NO_RULES, T0 + 1));
          return got;
        }),
      );
      expect(decisions.flat().filter((d) => d.go)).toHaveLength(200);
      expect(decisions.flat().find((d) => !d.go)).toEqual({ go: false, until: T0 + 60_000, cause: 'quota' });
    });
  }

  it('takes no more than 1/32 of what is left, and one at a time when little is', async () => {
    const [store] = open(1);
    if (!store) throw new Error('no store');
    await learn(store, 100);
    await store.acquire(KEY, NO_RULES, T0 + 1);
    // 1 + floor(99 / 32) = 4.
    expect(await reserved()).toBe(4);
    const [other] = open(1);
    if (!other) throw new Error('no store');
    await learn(other, 20, T0 + 2);
    await other.acquire(KEY, NO_RULES, T0 + 3);
    expect(await reserved()).toBe(1);
  });

  it('a rejection another process learned stops this one spending its lease', async () => {
    const [a, b] = open(2);
    if (!a || !b) throw new Error('no store');
    await learn(a, 5000);
    expect(await b.acquire(KEY, NO_RULES, T0 + 1)).toEqual({ go: true });
    expect(b.acquire(KEY, NO_RULES, T0 + 1)).toEqual({ go: true });
    // a is told to back off; b learns it from the reply of its next settle.
    expect(await a.acquire(KEY, NO_RULES, T0 + 2)).toEqual({ go: true });
    const block = { origin: KEY.origin, until: T0 + 30_000, reason: 'retry-after: 30' };
    await a.settle(KEY, { block }, NO_RULES, T0 + 2);
    await b.settle(KEY, { remaining: 4990, resetAt: T0 + 60_000 }, NO_RULES, T0 + 3);
    expect(await b.acquire(KEY, NO_RULES, T0 + 4)).toEqual({
      go: false,
      until: T0 + 30_000,
      cause: 'blocked',
      reason: 'retry-after: 30',
    });
    // Both leases went back (a's with its own rejection, b's on learning of it): only b's other
    // request is still in flight.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await reserved()).toBe(1);
  });

  it('its own rejection ends its lease at once', async () => {
    const [store] = open(1);
    if (!store) throw new Error('no store');
    await learn(store, 5000);
    expect(await store.acquire(KEY, NO_RULES, T0 + 1)).toEqual({ go: true });
    const block = { origin: KEY.origin, until: T0 + 5000, reason: '429' };
    await store.settle(KEY, { block }, NO_RULES, T0 + 2);
    expect(await store.acquire(KEY, NO_RULES, T0 + 3)).toMatchObject({ go: false, cause: 'blocked' });
    expect(await reserved()).toBe(0);
  });

  it('gives unused reservations back after leaseTtl, and on close', async () => {
    const [store] = open(1, { leaseTtl: 500 });
    if (!store) throw new Error('no store');
    await learn(store, 5000);
    await store.acquire(KEY, NO_RULES, T0 + 1);
    expect(await reserved()).toBe(16);
    // Past the lease: the 15 unused go back and a new lease is asked for.
    expect(await store.acquire(KEY, NO_RULES, T0 + 501)).toEqual({ go: true });
    await store.settle(KEY, {}, NO_RULES, T0 + 502);
    expect(await reserved()).toBe(1 + 15);
    await store.close();
    expect(await reserved()).toBe(1);
  });

  it('leases nothing while pacing (spread) or a strict declared rate is in force', async () => {
    for (const rules of [{ spread: true }, { declared: { requests: 100, per: 1000 }, strict: true }]) {
      const [store] = open(1);
      if (!store) throw new Error('no store');
      expect(await store.acquire(KEY, rules, T0)).toEqual({ go: true });
      await store.settle(KEY, { remaining: 5000, resetAt: T0 + 60_000 }, rules, T0);
      expect(await store.acquire(KEY, rules, T0 + 1)).toEqual({ go: true });
      expect(await reserved()).toBe(1);
    }
  });

  it('refuses a lease that is not a whole number of at least 1', () => {
    expect(() => redisBudgetStore(redis.url, { lease: 0 })).toThrow(/lease must be a whole number/);
    expect(() => redisBudgetStore(redis.url, { lease: 2.5 })).toThrow(/lease must be a whole number/);
  });
});
