/**
 * bench/shared-budget: N GitHub syncs at once (each its own HTTP client, catalog and Redis connection,
 * as N workers would have) against one simulator with 20 ms latency and a primary-limit window of
 * 300 requests per 2 s in GitHub's headers, sharing the budget through `redisBudgetStore` or each
 * keeping its own in memory. Prints requests, rejections received (target: 0 when shared), wall
 * time, and wall time over the budget's limit R·W/B. Then the store's own cost: acquire+settle
 * pairs per second from 4 connections. A benchmark, not a test. All clients run in this process.
 *
 * Run: npm run bench:shared-budget   (options: --clients 1,2,4 --repos 100 --redis redis://…)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startSimulator } from '../integrations/github/simulator/start.js';
import { builtInDir } from '../integrations/registry.js';
import { type BudgetStore, type RedisBudgetStore, redisBudgetStore, syncIntegration } from '../src/index.js';
import { startRedis } from '../src/testing/redis.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '1,2,4' },
    repos: { type: 'string', default: '100' },
    redis: { type: 'string' },
  },
});
const WINDOW = { requests: 300, ms: 2000 };
const LATENCY_MS = 20;
const GITHUB = builtInDir('github') ?? 'integrations/github';

if (values.redis) process.env.INLET_TEST_REDIS_URL = values.redis;
const redis = await startRedis();
const dir = await mkdtemp(join(tmpdir(), 'inlet-bench-budget-'));

interface Row {
  clients: number;
  budget: 'redis' | 'own';
  requests: number;
  rejected: number;
  wallMs: number;
}

async function measure(clients: number, budget: Row['budget']): Promise<Row> {
  const sim = await startSimulator({
    seed: 9,
    size: { orgs: 2, reposPerOrg: Number(values.repos), prsPerRepo: 3 },
    latencyMs: LATENCY_MS,
    rateWindow: WINDOW,
  });
  const stores: RedisBudgetStore[] = [];
  const prefix = `${redis.prefix}${clients}-${budget}:`;
  const storeFor = (): BudgetStore | undefined => {
    if (budget === 'own') return undefined;
    const store = redisBudgetStore(redis.url, { prefix });
    stores.push(store);
    return store;
  };
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: clients }, (_, i) =>
        syncIntegration(GITHUB, {
          set: sim.settings,
          db: join(dir, `${clients}-${budget}-${i}.db`),
          connect: { budgetStore: storeFor() },
        }),
      ),
    );
    const wallMs = performance.now() - started;
    return { clients, budget, requests: sim.requests.length, rejected: sim.rateLimited.length, wallMs };
  } finally {
    await Promise.all(stores.map((s) => s.close()));
    await sim.close();
  }
}

/** acquire+settle pairs per second, 4 stores × 16 callers, against one key with a roomy window. */
async function storeThroughput(pairs: number): Promise<number> {
  const stores = Array.from({ length: 4 }, () =>
    redisBudgetStore(redis.url, { prefix: `${redis.prefix}ops:` }),
  );
  const key = { origin: 'https://api.example.test', credential: 'fp' };
  let left = pairs;
  const started = performance.now();
  await Promise.all(
    stores.flatMap((store) =>
      Array.from({ length: 16 }, async () => {
        while (left-- > 0) {
          const now = Date.now();
          if ((await store.acquire(key, {}, now)).go) {
            await store.settle(key, { remaining: 1_000_000, resetAt: now + 3_600_000 }, {}, now);
          }
        }
      }),
    ),
  );
  const perSecond = pairs / ((performance.now() - started) / 1000);
  await Promise.all(stores.map((s) => s.close()));
  return perSecond;
}

try {
  const rows: Row[] = [];
  for (const clients of values.clients.split(',').map(Number)) {
    for (const budget of ['redis', 'own'] as const) {
      if (clients === 1 && budget === 'own') continue;
      const row = await measure(clients, budget);
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  }
  console.log();
  console.log(`window ${WINDOW.requests} requests / ${WINDOW.ms} ms, latency ${LATENCY_MS} ms`);
  console.log('| clients | budget | requests | rejected | wall | R·W/B | wall / (R·W/B) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const limit = (r.requests * WINDOW.ms) / WINDOW.requests;
    console.log(
      `| ${r.clients} | ${r.budget} | ${r.requests} | ${r.rejected} | ${(r.wallMs / 1000).toFixed(2)} s | ` +
        `${(limit / 1000).toFixed(2)} s | ${(r.wallMs / limit).toFixed(2)}x |`,
    );
  }
  console.log();
  console.log(`store: ${Math.round(await storeThroughput(20_000))} acquire+settle pairs/s (4 connections)`);
} finally {
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
}
