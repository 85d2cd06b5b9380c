import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GithubSimulator, startSimulator } from '../../integrations/github/simulator/start.js';
import type { BudgetStore } from '../http/budget-store.js';
import { syncIntegration } from '../sync/sync-integration.js';
import { redisUnavailable, startRedis, type TestRedis } from '../testing/redis.js';
import { type RedisBudgetStore, redisBudgetStore } from './redis-budget-store.js';

// The acceptance of one budget across workers (issue 11): several processes' HTTP clients sync GitHub
// at once against one simulator whose primary limit is a short window, announced in GitHub's
// x-ratelimit-* headers. Each client has its own Redis connection and catalog, as a worker would.
// Real time (the window is real), but no assertion on time: only on what the server rejected.

const GITHUB = join(dirname(fileURLToPath(import.meta.url)), '../../integrations/github');
const WINDOW = { requests: 60, ms: 2000 };
const CLIENTS = 4;

const unavailable = redisUnavailable();
if (unavailable) console.warn(unavailable);

describe.skipIf(unavailable)('one rate budget across processes, against the GitHub simulator', () => {
  let redis: TestRedis;
  let dir: string;
  beforeAll(async () => {
    redis = await startRedis();
    dir = await mkdtemp(join(tmpdir(), 'inlet-budget-'));
  });
  afterAll(async () => {
    await redis?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** CLIENTS concurrent syncs against one fresh simulator, each with the budget store `storeFor` gives. */
  const syncAll = async (name: string, storeFor: () => BudgetStore | undefined) => {
    const sim: GithubSimulator = await startSimulator({
      seed: 5,
      size: { orgs: 2, reposPerOrg: 12, prsPerRepo: 3, maxPerPage: 5 },
      rateWindow: WINDOW,
    });
    try {
      const summaries = await Promise.all(
        Array.from({ length: CLIENTS }, (_, i) =>
          syncIntegration(GITHUB, {
            set: sim.settings,
            db: join(dir, `${name}-${i}.db`),
            connect: { budgetStore: storeFor() },
          }),
        ),
      );
      return { sim, statuses: summaries.map((s) => s.status) };
    } finally {
      await sim.close();
    }
  };

  it(`${CLIENTS} clients sharing the Redis store get no rejection; with their own budgets they do`, async () => {
    const stores: RedisBudgetStore[] = [];
    const shared = await syncAll('shared', () => {
      const store = redisBudgetStore(redis.url, { prefix: redis.prefix });
      stores.push(store);
      return store;
    });
    await Promise.all(stores.map((s) => s.close()));
    expect(shared.statuses).toEqual(Array(CLIENTS).fill('succeeded'));
    // More than one window's worth, so the budget was under pressure.
    expect(shared.sim.requests.length).toBeGreaterThan(2 * WINDOW.requests);
    expect(shared.sim.rateLimited).toEqual([]);

    // The same runs, each client with its own in-memory budget: each sees the server's remaining but
    // not the others' requests in flight, so together they overshoot (this is what the store prevents).
    const separate = await syncAll('separate', () => undefined);
    expect(separate.statuses).toEqual(Array(CLIENTS).fill('succeeded'));
    expect(separate.sim.rateLimited.length).toBeGreaterThan(0);
  });
});
