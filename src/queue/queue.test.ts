/**
 * Queued runs against real Redis and PostgreSQL: the GitHub simulator read by workers gives the
 * catalog one process gives, byte for byte, also when a worker is killed mid-job or the coordinator
 * dies; a job failing past its attempts fails its kind and deletes nothing of its blueprints.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { githubApp } from '../../integrations/github/simulator/app.js';
import { generateData } from '../../integrations/github/simulator/data.js';
import { SIMULATOR_TOKEN, startSimulator } from '../../integrations/github/simulator/start.js';
import { runCli } from '../cli/program.js';
import { systemClock } from '../http/clock.js';
import { createLogger, type Logger } from '../http/log.js';
import { syncIntegration } from '../sync/sync-integration.js';
import { postgresUnavailable, startPostgres, type TestPostgres } from '../testing/postgres.js';
import { redisUnavailable, startRedis, type TestRedis } from '../testing/redis.js';
import { serve } from '../testing/serve.js';
import { syncQueued } from './coordinator.js';
import { redisBudgetStore } from './redis-budget-store.js';
import { bullConnection, QUEUE_NAME } from './run-spec.js';
import { kindIndexOf } from './run-tracker.js';
import { type RunningWorker, startWorker } from './worker.js';

const GITHUB = fileURLToPath(new URL('../../integrations/github', import.meta.url));
const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const SIZE = { orgs: 2, reposPerOrg: 120, prsPerRepo: 3 };

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'inlet', ...args], {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
  });
  return { code, out, err };
}

async function exportOf(db: string): Promise<string> {
  const { code, out, err } = await cli(['catalog', 'export', '--db', db]);
  expect(err).toBe('');
  expect(code).toBe(0);
  return out;
}

const sets = (settings: string[]) => settings.flatMap((s) => ['--set', s]);

/** An `inlet worker` child process, resolved once it says it is listening. */
async function workerProcess(queue: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [CLI, 'worker', '--queue', queue, '--concurrency', '2', '--port', '0', '--lock-duration', '1s'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('inlet worker:')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited ${code}: ${err}`)));
  });
  return child;
}

describe.skipIf(
  redisUnavailable() ?? postgresUnavailable() ?? (!existsSync(CLI) && 'run npm run build first'),
)(
  'inlet sync --queue and inlet worker',
  () => {
    let redis: TestRedis;
    let sim: Awaited<ReturnType<typeof startSimulator>>;
    let baseline: string;
    const databases: TestPostgres[] = [];
    const database = async () => {
      const pg = await startPostgres();
      databases.push(pg);
      return pg.url;
    };
    const inProcessWorkers = (n: number, logger?: Logger): RunningWorker[] =>
      Array.from({ length: n }, () =>
        startWorker({
          queue: redis.url,
          concurrency: 2,
          lockDuration: 5000,
          budgetStore: redisBudgetStore(redis.url, { prefix: redis.prefix }),
          logger,
        }),
      );

    beforeAll(async () => {
      redis = await startRedis();
      sim = await startSimulator({ seed: 11, size: SIZE, latencyMs: 20 });
      const db = await database();
      const summary = await syncIntegration(GITHUB, { set: sim.settings, db });
      expect(summary.status).toBe('succeeded');
      baseline = await exportOf(db);
      expect(baseline.split('\n').length).toBeGreaterThan(400);
    });
    afterAll(async () => {
      await sim?.close();
      for (const pg of databases) await pg.stop();
      await redis?.stop();
    });

    it('4 workers write the catalog one process writes, byte for byte', async () => {
      const workers = inProcessWorkers(4);
      try {
        const db = await database();
        const run = await cli(['sync', GITHUB, ...sets(sim.settings), '--queue', redis.url, '--db', db]);
        expect(run.err).not.toMatch(/E_[A-Z]/);
        expect(run.code).toBe(0);
        expect(run.out).toMatch(/pull-request/);
        expect(await exportOf(db)).toBe(baseline);
      } finally {
        await Promise.all(workers.map((w) => w.close()));
      }
    });

    it('a worker killed -9 mid-job leaves its job to another; the catalog is still identical', async () => {
      const events = new QueueEvents(QUEUE_NAME, { connection: bullConnection(redis.url) });
      await events.waitUntilReady();
      const stalled: string[] = [];
      events.on('stalled', ({ jobId }) => stalled.push(jobId));
      const first = await workerProcess(redis.url);
      let second: ChildProcess | undefined;
      // Kill the only worker as soon as it holds a pull-request batch (kind index 2), then start another.
      const killed = new Promise<void>((resolve) => {
        events.on('active', ({ jobId }) => {
          if (kindIndexOf(jobId) !== 2 || first.exitCode !== null || first.signalCode) return;
          first.kill('SIGKILL');
          resolve();
        });
      });
      try {
        const db = await database();
        const run = syncQueued(GITHUB, { set: sim.settings, db, queue: redis.url });
        await killed;
        second = await workerProcess(redis.url);
        const summary = await run;
        expect(summary.status).toBe('succeeded');
        expect(stalled.length).toBeGreaterThan(0);
        expect(await exportOf(db)).toBe(baseline);
      } finally {
        first.kill('SIGKILL');
        second?.kill('SIGTERM');
        await events.close();
      }
    });

    it('a coordinator killed mid-run leaves a run the next one marks aborted', async () => {
      const workers = inProcessWorkers(2);
      const events = new QueueEvents(QUEUE_NAME, { connection: bullConnection(redis.url) });
      await events.waitUntilReady();
      try {
        const db = await database();
        const coordinator = spawn(
          process.execPath,
          [CLI, 'sync', GITHUB, ...sets(sim.settings), '--queue', redis.url, '--db', db],
          { stdio: 'ignore' },
        );
        await new Promise<void>((resolve) => events.once('completed', () => resolve()));
        coordinator.kill('SIGKILL');
        await new Promise((resolve) => coordinator.once('exit', resolve));
        const again = await cli(['sync', GITHUB, ...sets(sim.settings), '--queue', redis.url, '--db', db]);
        expect(again.code).toBe(0);
        const runs = await cli(['catalog', 'runs', '--db', db, '--json']);
        const statuses = (JSON.parse(runs.out) as { status: string }[]).map((r) => r.status);
        expect(statuses).toEqual(['succeeded', 'aborted']);
        expect(await exportOf(db)).toBe(baseline);
      } finally {
        await events.close();
        await Promise.all(workers.map((w) => w.close()));
      }
    });

    it('a job failing past its attempts fails its kind, and nothing of its blueprints is deleted', async () => {
      // The GitHub simulator with one switch: once `broken` is set, that repository's pull requests answer 404.
      const data = generateData(5, { orgs: 2, reposPerOrg: 12, prsPerRepo: 3 });
      let broken: string | undefined;
      const app = githubApp({
        data,
        token: SIMULATOR_TOKEN,
        clock: systemClock,
        before: async (c, next) => {
          if (broken && c.req.path.startsWith(`/repos/${broken}/pulls`))
            return c.json({ message: 'Not Found' }, 404);
          return next();
        },
      });
      const served = await serve(app);
      const settings = [
        `baseUrl=${served.url}`,
        `token=${SIMULATOR_TOKEN}`,
        `orgs=${data.orgs.map((o) => o.login).join(',')}`,
      ];
      const db = await database();
      expect((await syncIntegration(GITHUB, { set: settings, db })).status).toBe('succeeded');
      const exported = await exportOf(db);
      const count = (text: string, blueprint: string) =>
        text.split('\n').filter((l) => l.includes(`"blueprint":"${blueprint}"`)).length;
      // Upstream, one repository is gone (with its pull requests) and another's pull requests fail on every attempt.
      broken = data.repos[3]!.fullName;
      const gone = data.repos.splice(7, 1)[0]!;
      data.pulls = data.pulls.filter((p) => p.repo !== gone.fullName);
      const lines: string[] = [];
      const logger = createLogger({
        level: 'warn',
        format: 'json',
        destination: { write: (l) => lines.push(l) },
      });
      const workers = inProcessWorkers(2, logger);
      try {
        const summary = await syncQueued(GITHUB, {
          set: settings,
          db,
          queue: redis.url,
          attempts: 2,
          backoffMs: 10,
        });
        expect(summary.status).toBe('failed');
        const pulls = summary.kinds.find((k) => k.kind === 'pull-request')!;
        expect(pulls.status).toBe('failed');
        expect(pulls.errorCode).toMatch(/^E_/);
        expect(summary.notes.join('\n')).toMatch(/githubPullRequest: stale entities kept/);
        const now = await exportOf(db);
        expect(count(now, 'githubPullRequest')).toBe(count(exported, 'githubPullRequest'));
        // The repositories were read completely: the one gone upstream is deleted.
        expect(count(now, 'githubRepository')).toBe(count(exported, 'githubRepository') - 1);
        // Every failed attempt is one warning naming the kind and the stable code, without the token.
        const failed = lines.map((l) => JSON.parse(l)).filter((l) => /^job failed: E_/.test(l.msg));
        expect(failed.map((l) => [l.kind, l.attempt])).toEqual([
          ['pull-request', 1],
          ['pull-request', 2],
        ]);
        expect(lines.join('\n')).not.toContain(SIMULATOR_TOKEN);
      } finally {
        await Promise.all(workers.map((w) => w.close()));
        await served.close();
      }
    });
  },
  120_000,
);

describe('--queue with a SQLite catalog', () => {
  it('is refused with one line and a non-zero exit, before anything is opened', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'inlet-queue-'));
    try {
      const db = join(dir, 'catalog.db');
      const run = await cli([
        'sync',
        GITHUB,
        '--set',
        'orgs=acme',
        '--queue',
        'redis://127.0.0.1:1',
        '--db',
        db,
      ]);
      expect(run.code).not.toBe(0);
      expect(run.err.trimEnd().split('\n')).toHaveLength(1);
      expect(run.err).toMatch(/^E_CONFIG.*--db: .* is a SQLite file; --queue needs a PostgreSQL catalog/);
      expect(existsSync(db)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(postgresUnavailable() ?? (!existsSync(CLI) && 'run npm run build first'))(
  '--queue that is not a Redis URL',
  () => {
    let pgdb: TestPostgres;
    beforeAll(async () => {
      pgdb = await startPostgres();
    });
    afterAll(() => pgdb?.stop());

    it('is refused with one line, and the catalog it began to open does not keep the process alive', async () => {
      const args = ['sync', GITHUB, '--set', 'orgs=acme', '--queue', 'http://127.0.0.1:1', '--db', pgdb.url];
      // A child process: a pg pool left open would hold it until the pool's 10 s idle timeout, past
      // this test's 8 s (it exits in well under a second).
      const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
      });
      // On a timeout the child is still up: it must not outlive the test.
      onTestFinished(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      });
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).not.toBe(0);
      expect(err.trimEnd().split('\n')).toHaveLength(1);
      expect(err).toMatch(
        /^E_CONFIG.*--queue: "http:\/\/127\.0\.0\.1:1" is not a redis:\/\/ or rediss:\/\/ URL/,
      );
    }, 8_000);
  },
);
