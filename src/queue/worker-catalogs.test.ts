/**
 * A long-lived worker serving runs on many catalogs keeps only the pools it used last: the others
 * are closed when their runs are let go of, not left holding connections (issue 11).
 */
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../integrations/github/simulator/start.js';
import { postgresUnavailable, startPostgres, type TestPostgres } from '../testing/postgres.js';
import { redisUnavailable, startRedis, type TestRedis } from '../testing/redis.js';
import { syncQueued } from './coordinator.js';
import { redisBudgetStore } from './redis-budget-store.js';
import { startWorker } from './worker.js';

const GITHUB = fileURLToPath(new URL('../../integrations/github', import.meta.url));

describe.skipIf(redisUnavailable() ?? postgresUnavailable())('a worker serving many catalogs', () => {
  let redis: TestRedis;
  // A Redis database of its own: test files share the server, and a worker of another file taking
  // one of these jobs would hold a pool on these catalogs.
  let queue: string;
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  const databases: TestPostgres[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    queue = `${redis.url.replace(/\/+\d*$/, '')}/7`;
    sim = await startSimulator({ seed: 5, size: { orgs: 1, reposPerOrg: 3, prsPerRepo: 1 } });
  });
  afterAll(async () => {
    await sim?.close();
    for (const db of databases) await db.stop();
    if (queue) {
      const own = new Redis(queue);
      await own.flushdb();
      own.disconnect();
    }
    await redis?.stop();
  });

  it('closes the pools of catalogs no open run holds, beyond the few it keeps', async () => {
    const worker = startWorker({
      queue,
      concurrency: 2,
      budgetStore: redisBudgetStore(redis.url, { prefix: redis.prefix }),
    });
    // The coordinator closes its own pools, so a catalog's connections here are the worker's. The
    // admin connection is on a database of its own.
    const { connections, connectionsLeft, end } = await watchConnections(databases);
    try {
      // 8 runs, each on a catalog of its own: the worker keeps its last 4 runs open, and so their
      // catalogs. Each run from the 5th on lets go of the run 4 before it, whose pool is closed then;
      // an idle pool would otherwise hold its connections 10 s (pg's idle timeout), past 4 runs here.
      const names: string[] = [];
      for (let i = 0; i < 8; i++) {
        const db = await startPostgres();
        databases.push(db);
        names.push(new URL(db.url).pathname.slice(1));
        const summary = await syncQueued(GITHUB, { set: sim.settings, db: db.url, queue });
        expect(summary.status).toBe('succeeded');
        expect(await connections(names[i]!)).toBeGreaterThan(0);
        if (i < 4) continue;
        const left = await connectionsLeft(names[i - 4]!);
        expect(left, `connections to catalog ${i - 4} after run ${i}`).toBe(0);
      }
    } finally {
      await end();
      await worker.close();
    }
  }, 60_000);

  it('gives back a catalog whose run then fails to open, so its pool is closed like any idle one', async () => {
    const { connectionsLeft, end } = await watchConnections(databases);
    const specs = new Redis(queue);
    const bad = await startPostgres();
    databases.push(bad);
    const badName = new URL(bad.url).pathname.slice(1);
    // No worker yet: the run's spec waits in Redis, and loses its mapping before any worker reads it.
    // A worker takes the catalog first, then fails at the mapping (createMapper), after the take.
    const failing = syncQueued(GITHUB, { set: sim.settings, db: bad.url, queue, attempts: 1, backoffMs: 10 });
    let worker: ReturnType<typeof startWorker> | undefined;
    try {
      let key: string | undefined;
      for (let t = 0; t < 200 && !key; t++) {
        // The spec's key only: the run's job set and counters share its prefix.
        key = (await specs.keys('inlet:run:*')).find((k) => /^inlet:run:[^:]+$/.test(k));
        if (!key) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(key, 'the run spec in Redis').toBeDefined();
      const spec = JSON.parse((await specs.get(key!))!) as { manifest: { mapping?: unknown } };
      delete spec.manifest.mapping;
      await specs.set(key!, JSON.stringify(spec), 'KEEPTTL');
      worker = startWorker({
        queue,
        concurrency: 2,
        budgetStore: redisBudgetStore(redis.url, { prefix: redis.prefix }),
      });
      const failed = await failing.then(
        (summary) => summary.status,
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
      expect(failed).not.toBe('succeeded');
      // Four good runs on catalogs of their own: a catalog the failed open had kept held would stay
      // open past them (until pg's 10 s idle timeout); one given back is the least recently used.
      for (let i = 0; i < 4; i++) {
        const db = await startPostgres();
        databases.push(db);
        const summary = await syncQueued(GITHUB, { set: sim.settings, db: db.url, queue });
        expect(summary.status).toBe('succeeded');
      }
      const left = await connectionsLeft(badName);
      expect(left, 'connections to the catalog of the run that failed to open').toBe(0);
    } finally {
      specs.disconnect();
      await end();
      await worker?.close();
    }
  }, 60_000);
});

/**
 * Connections per database, read from an admin connection on a database of its own (pushed to
 * `databases` for cleanup). `connectionsLeft` waits up to 2 s for the count to reach 0: backends
 * leave pg_stat_activity a moment after their client closed.
 */
async function watchConnections(databases: TestPostgres[]) {
  const own = await startPostgres();
  databases.push(own);
  const admin = new pg.Client({ connectionString: own.url });
  await admin.connect();
  const connections = async (name: string) => {
    const { rows } = await admin.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
      [name],
    );
    return rows[0]?.n ?? 0;
  };
  const connectionsLeft = async (name: string) => {
    let left = await connections(name);
    for (let t = 0; t < 40 && left > 0; t++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      left = await connections(name);
    }
    return left;
  };
  return { connections, connectionsLeft, end: () => admin.end() };
}
