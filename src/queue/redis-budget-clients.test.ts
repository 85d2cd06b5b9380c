import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BudgetStore } from '../http/budget-store.js';
import { createClient } from '../http/client.js';
import { redisUnavailable, startRedis, type TestRedis } from '../testing/redis.js';
import { startTestServer } from '../testing/test-server.js';
import { VirtualClock } from '../testing/virtual-clock.js';
import { type RedisBudgetStore, redisBudgetStore } from './redis-budget-store.js';

// Whole HTTP clients (rate budget, retry, concurrency) on separate Redis connections, against a loopback
// server whose limiter counts every request past its window's budget. One VirtualClock for all: the
// store is given the clients' time, so waits for a reset cost nothing.

const unavailable = redisUnavailable();
if (unavailable) console.warn(unavailable);

describe.skipIf(unavailable)('clients sharing a Redis budget store', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  const run = async (clients: number, storeFor: (i: number) => BudgetStore | undefined) => {
    const clock = new VirtualClock();
    const server = await startTestServer({ clock, rateLimit: { limit: 100, windowMs: 2000 } });
    const apis = Array.from({ length: clients }, (_, i) =>
      createClient({ baseUrl: server.url, clock, concurrency: 8, budgetStore: storeFor(i) }),
    );
    try {
      await Promise.all(
        apis.flatMap((api, c) => Array.from({ length: 120 }, (_, i) => api.get(`/api/echo?c=${c}&i=${i}`))),
      );
      return { requests: server.requests.length, violations: server.violations.length };
    } finally {
      await Promise.all(apis.map((api) => api.close()));
      await server.close();
    }
  };

  for (const clients of [2, 4]) {
    it(`${clients} clients spend one window of 100 per 2 s without a request over budget`, async () => {
      const prefix = `${redis.prefix}${clients}:`;
      const stores: RedisBudgetStore[] = [];
      const shared = await run(clients, () => {
        const store = redisBudgetStore(redis.url, { prefix });
        stores.push(store);
        return store;
      });
      await Promise.all(stores.map((s) => s.close()));
      expect(shared).toEqual({ requests: clients * 120, violations: 0 });
      // Each with its own budget, they overshoot: the test above could fail.
      const separate = await run(clients, () => undefined);
      expect(separate.violations).toBeGreaterThan(0);
    });
  }
});
