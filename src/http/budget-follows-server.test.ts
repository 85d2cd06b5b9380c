import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { VirtualClock } from '../testing/virtual-clock.js';
import { memoryBudgetStore } from './budget-store.js';
import { type ClientOptions, createClient } from './client.js';
import type { Policy } from './types.js';

// The budget against a real loopback server whose GitHub-style limiter counts every request that
// arrives once the window's remaining is 0 (issue 8, item 1). All time is virtual.

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function run(
  clock: VirtualClock,
  window: NonNullable<Parameters<typeof startTestServer>[0]>['rateLimit'],
  client: Omit<ClientOptions, 'baseUrl'>,
  count: number,
) {
  server = await startTestServer({ clock, rateLimit: window });
  const start = clock.now();
  // Send times on the client's side: the server may read the virtual clock after a sleeper moved it on.
  const starts: number[] = [];
  const record: Policy = (next) => (req) => {
    starts.push(clock.now() - start);
    return next(req);
  };
  const api = createClient({
    baseUrl: server.url,
    clock,
    concurrency: 8,
    ...client,
    policies: { beforeTransport: [record] },
  });
  try {
    const statuses = await Promise.all(
      Array.from({ length: count }, (_, i) => api.get(`/api/echo?i=${i}`).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  } finally {
    await api.close();
  }
  expect(server.requests).toHaveLength(starts.length);
  return { elapsed: clock.now() - start, starts, violations: server.violations.length };
}

describe('the rate budget follows the server', () => {
  it('spends each 2-s window of 250 the server reports, not the declared 5000/h (1,012 requests)', async () => {
    const clock = new VirtualClock();
    const { elapsed, violations, starts } = await run(
      clock,
      { limit: 250, windowMs: 2000 },
      { rateLimit: { requests: 5000, per: '1h' } },
      1012,
    );
    expect(violations).toBe(0);
    expect(starts).toHaveLength(1012);
    // ceil(1012 / 250) = 5 windows: the last one opens 4 × 2 s after the first.
    const arithmetic = 4 * 2000;
    expect(elapsed).toBeLessThanOrEqual(1.3 * arithmetic);
  });

  it('an hour partly spent: after the 1000 left it waits for the reset, then uses the new window', async () => {
    const clock = new VirtualClock();
    const resetInMs = 5 * 60_000;
    const { elapsed, violations, starts } = await run(
      clock,
      { limit: 5000, windowMs: 3_600_000, firstWindow: { remaining: 1000, resetInMs } },
      { rateLimit: { requests: 5000, per: '1h' } },
      2000,
    );
    expect(violations).toBe(0);
    // In-flight requests count as unspent until they answer, so up to concurrency - 1 may be left unused.
    const beforeReset = starts.filter((at) => at < resetInMs).length;
    expect(beforeReset).toBeLessThanOrEqual(1000);
    expect(beforeReset).toBeGreaterThan(1000 - 8);
    // The second thousand goes at once in the fresh window, not at 720 ms apiece.
    expect(elapsed).toBeLessThan(resetInMs + 2000);
  });

  it('strict: the declared rate stays a ceiling while the server would allow more', async () => {
    const clock = new VirtualClock();
    const { violations, starts } = await run(
      clock,
      { limit: 250, windowMs: 2000 },
      { rateLimit: { requests: 50, per: 1000, strict: true } },
      300,
    );
    expect(violations).toBe(0);
    // A bucket of 50 refilling one per 20 ms: the n-th request starts no earlier than (n - 50) × 20 ms.
    const sorted = [...starts].sort((a, b) => a - b);
    sorted.forEach((at, n) => {
      expect(at).toBeGreaterThanOrEqual((n + 1 - 50) * 20 - 1e-6);
    });
  });

  it('spread: paces the reported quota evenly to the reset instead of bursting', async () => {
    const clock = new VirtualClock();
    const { violations, starts, elapsed } = await run(
      clock,
      { limit: 100, windowMs: 2000 },
      { rateLimit: { spread: true }, concurrency: 4 },
      200,
    );
    expect(violations).toBe(0);
    const firstWindow = starts.filter((at) => at < 2000);
    // Without spread all 100 go at 0 ms; spread over 2 s, about half fall in each second.
    expect(firstWindow.filter((at) => at < 1000).length).toBeLessThanOrEqual(55);
    expect(firstWindow.length).toBeGreaterThanOrEqual(90);
    expect(elapsed).toBeLessThanOrEqual(1.3 * 4000);
  });

  it('two clients sharing one budget store spend one quota without overshooting', async () => {
    const clock = new VirtualClock();
    server = await startTestServer({ clock, rateLimit: { limit: 100, windowMs: 2000 } });
    const budgetStore = memoryBudgetStore();
    const clients = [1, 2].map(() => createClient({ baseUrl: server?.url ?? '', clock, budgetStore }));
    try {
      await Promise.all(
        clients.flatMap((api) => Array.from({ length: 150 }, (_, i) => api.get(`/api/echo?i=${i}`))),
      );
    } finally {
      await Promise.all(clients.map((api) => api.close()));
    }
    expect(server.requests).toHaveLength(300);
    expect(server.violations).toHaveLength(0);
  });
});
