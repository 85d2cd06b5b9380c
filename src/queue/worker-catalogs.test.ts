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
    const names: string[] = [];
    try {
      // 8 runs, each on a catalog of its own: the worker keeps its last 4 runs open, and so their
      // catalogs; the pools of the first 4 are closed as their runs are let go of.
      for (let i = 0; i < 8; i++) {
        const db = await startPostgres();
        databases.push(db);
        names.push(new URL(db.url).pathname.slice(1));
        const summary = await syncQueued(GITHUB, { set: sim.settings, db: db.url, queue });
        expect(summary.status).toBe('succeeded');
      }
      // The coordinator closed its own pools; what is left is the worker's. An idle pg connection
      // would otherwise stay 10 s (its pool's idle timeout), far past these runs.
      const admin = new pg.Client({ connectionString: databases[0]!.url });
      await admin.connect();
      const connections = async () => {
        const { rows } = await admin.query<{ datname: string; n: number }>(
          `SELECT datname, count(*)::int AS n FROM pg_stat_activity
           WHERE datname = ANY($1) AND pid <> pg_backend_pid() GROUP BY datname`,
          [names],
        );
        return names.map((name) => rows.find((r) => r.datname === name)?.n ?? 0);
      };
      try {
        let now = await connections();
        // Backends leave pg_stat_activity a moment after their client closed.
        for (let t = 0; t < 40 && now.slice(0, 4).some((n) => n > 0); t++) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          now = await connections();
        }
        expect(now.slice(0, 4)).toEqual([0, 0, 0, 0]);
        expect(now.slice(4).every((n) => n > 0)).toBe(true);
      } finally {
        await admin.end();
      }
    } finally {
      await worker.close();
    }
  }, 60_000);
});
