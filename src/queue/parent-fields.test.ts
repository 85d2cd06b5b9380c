/**
 * Child jobs carry only the parent fields their requests name, and the whole parent when the
 * mapping reads `$parent`: against real Redis and PostgreSQL, the queued catalog equals the local
 * one either way, and the job data in Redis is what was promised.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue, QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../integrations/github/simulator/start.js';
import { runCli } from '../cli/program.js';
import type { ResourceSpec } from '../manifest/schema.js';
import { syncIntegration } from '../sync/sync-integration.js';
import { postgresUnavailable, startPostgres, type TestPostgres } from '../testing/postgres.js';
import { redisUnavailable, startRedis, type TestRedis } from '../testing/redis.js';
import { syncQueued } from './coordinator.js';
import { parentFieldsOf, parentProjection } from './parent-fields.js';
import { redisBudgetStore } from './redis-budget-store.js';
import { bullConnection, QUEUE_NAME, type QueueJobData } from './run-spec.js';
import { kindIndexOf } from './run-tracker.js';
import { startWorker } from './worker.js';

const GITHUB = fileURLToPath(new URL('../../integrations/github', import.meta.url));

const count = (text: string, blueprint: string) =>
  text.split('\n').filter((l) => l.includes(`"blueprint":"${blueprint}"`)).length;
const resource = (r: Record<string, unknown>) => r as unknown as ResourceSpec;

describe('parentFieldsOf / parentProjection', () => {
  it('keeps the top-level fields any placeholder of the resource names', () => {
    const r = resource({
      parent: 'repository',
      request: {
        path: '/repos/{parent.full_name}/pulls',
        query: { owner: '{parent.owner.login}', literal: '{"a": 1}', other: '{config.x}' },
        headers: { 'X-Id': 'id-{parent.id}' },
      },
      for: { topic: '{parent.topics}' },
      paginate: { type: 'link' },
    });
    expect(parentFieldsOf(r)?.sort()).toEqual(['full_name', 'id', 'owner', 'topics']);
    const trim = parentProjection(r, false)!;
    const record = { full_name: 'a/b', owner: { login: 'a', id: 3 }, id: 7, topics: ['x'], size: 900 };
    expect(trim(record)).toEqual({ full_name: 'a/b', owner: { login: 'a', id: 3 }, id: 7, topics: ['x'] });
    // A field the record lacks stays absent (a placeholder renders it as empty either way).
    expect(trim({ size: 1 })).toEqual({});
  });

  it('keeps the whole record for `{parent}` itself or a mapping that reads $parent', () => {
    expect(parentFieldsOf(resource({ request: { path: '/x', body: { p: '{parent}' } } }))).toBeUndefined();
    expect(parentProjection(resource({ request: { path: '/x/{parent.id}' } }), true)).toBeUndefined();
    // `{parentx}` is another name, not the parent.
    expect(parentFieldsOf(resource({ request: { path: '/x/{parentx}' } }))).toEqual([]);
  });
});

describe.skipIf(redisUnavailable() ?? postgresUnavailable())(
  'child job data in Redis',
  () => {
    let redis: TestRedis;
    let sim: Awaited<ReturnType<typeof startSimulator>>;
    let dir: string;
    const databases: TestPostgres[] = [];
    const database = async () => {
      const pg = await startPostgres();
      databases.push(pg);
      return pg.url;
    };

    beforeAll(async () => {
      redis = await startRedis();
      sim = await startSimulator({ seed: 4, size: { orgs: 1, reposPerOrg: 30, prsPerRepo: 2 } });
      dir = await mkdtemp(join(tmpdir(), 'inlet-parent-fields-'));
    });
    afterAll(async () => {
      await sim?.close();
      for (const pg of databases) await pg.stop();
      await redis?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    /** A queued run with 2 workers; the parents of every child job as they were stored in Redis. */
    async function queuedRun(mapping: string | undefined) {
      const queue = new Queue<QueueJobData>(QUEUE_NAME, { connection: bullConnection(redis.url) });
      const events = new QueueEvents(QUEUE_NAME, { connection: bullConnection(redis.url) });
      await events.waitUntilReady();
      const reads: Promise<unknown[]>[] = [];
      events.on('added', ({ jobId }) => {
        if (kindIndexOf(jobId) === 2) reads.push(queue.getJob(jobId).then((j) => j?.data.parents ?? []));
      });
      const workers = Array.from({ length: 2 }, () =>
        startWorker({ queue: redis.url, budgetStore: redisBudgetStore(redis.url, { prefix: redis.prefix }) }),
      );
      try {
        const db = await database();
        const summary = await syncQueued(GITHUB, { set: sim.settings, db, queue: redis.url, mapping });
        expect(summary.status).toBe('succeeded');
        return { db, parents: (await Promise.all(reads)).flat() as Record<string, unknown>[] };
      } finally {
        await Promise.all(workers.map((w) => w.close()));
        await events.close();
        await queue.close();
      }
    }

    async function exported(db: string): Promise<string> {
      let out = '';
      const code = await runCli(['node', 'inlet', 'catalog', 'export', '--db', db], {
        stdout: (t) => {
          out += t;
        },
        stderr: () => {},
      });
      expect(code).toBe(0);
      return out;
    }

    it('carries only full_name for GitHub pull requests, and the catalog is the local one', async () => {
      const local = await database();
      expect((await syncIntegration(GITHUB, { set: sim.settings, db: local })).status).toBe('succeeded');
      const { db, parents } = await queuedRun(undefined);
      const text = await exported(db);
      expect(parents).toHaveLength(count(text, 'githubRepository'));
      for (const p of parents) expect(Object.keys(p)).toEqual(['full_name']);
      expect(text).toBe(await exported(local));
    });

    it('carries the whole repository when the mapping reads $parent, and $parent sees all of it', async () => {
      const mapping = join(dir, 'port-app-config.yml');
      await writeFile(
        mapping,
        [
          'resources:',
          '  - kind: repository',
          '    port: { entity: { mappings: { identifier: .full_name, blueprint: \'"repo"\' } } }',
          '  - kind: pull-request',
          '    port:',
          '      entity:',
          '        mappings:',
          '          identifier: \'.base.repo.full_name + "#" + (.number | tostring)\'',
          '          blueprint: \'"pull"\'',
          '          properties: { repoLanguage: "$parent.language", repoStars: "$parent.stargazers_count" }',
          '',
        ].join('\n'),
      );
      const local = await database();
      expect((await syncIntegration(GITHUB, { set: sim.settings, db: local, mapping })).status).toBe(
        'succeeded',
      );
      const { db, parents } = await queuedRun(mapping);
      const text = await exported(db);
      expect(parents).toHaveLength(count(text, 'repo'));
      for (const p of parents) expect(p).toHaveProperty('stargazers_count');
      expect(text).toBe(await exported(local));
      expect(text).toMatch(/"repoStars":\d/);
    });
  },
  120_000,
);
