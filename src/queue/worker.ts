/**
 * `inlet worker`: a BullMQ Worker on `inlet-sync` running the jobs of queued runs with the engine a
 * local run uses (src/sync/sync-job.ts). Per run it opens, once, what the coordinator put in Redis:
 * the manifest, settings (secrets only ever come from there) and plan; the HTTP client spends the
 * rate budget shared in Redis (redisBudgetStore), so workers together keep one process's budget.
 * `close()` is BullMQ's graceful stop: no new job is taken and the active ones finish.
 */
import { Queue, Worker } from 'bullmq';
import { type CatalogStore, openCatalog } from '../catalog/index.js';
import { isInletError } from '../errors/errors.js';
import { closeInOrder } from '../http/async/index.js';
import type { BudgetStore } from '../http/budget-store.js';
import type { Client } from '../http/client.js';
import type { Logger } from '../http/log.js';
import type { LoadedManifest, MappingFile } from '../manifest/load.js';
import { compilePlan } from '../sync/compile-plan.js';
import { connect } from '../sync/connect.js';
import type { Mapper } from '../sync/engine.js';
import { countHttpEvent, failureOf } from '../sync/kind-pages.js';
import { createMapper } from '../sync/mapper.js';
import type { SyncPlan } from '../sync/plan.js';
import { type JobResult, runJob } from '../sync/sync-job.js';
import { heldCache } from './held-cache.js';
import { type ParentTrim, parentProjection } from './parent-fields.js';
import { redisBudgetStore } from './redis-budget-store.js';
import { countItems } from './run-items.js';
import { partsCache, type RunParts } from './run-parts.js';
import {
  bullConnection,
  childJobId,
  jobOptions,
  jobsKey,
  QUEUE_NAME,
  type QueueJobData,
  type RunSpec,
  redisConnection,
  requirePostgres,
  specKey,
} from './run-spec.js';
import type { WorkerMetrics } from './worker-metrics.js';

export interface WorkerOptions {
  /** The queue's Redis URL. */
  queue: string;
  /** The catalog; by default the one the run's coordinator names. */
  db?: string;
  /** Jobs run at once. @default 4 */
  concurrency?: number;
  /** A job whose worker is silent this long (killed, frozen) is handed to another worker, ms. @default 30000 */
  lockDuration?: number;
  /** Where the rate budgets live. @default redisBudgetStore on the queue's Redis */
  budgetStore?: BudgetStore;
  logger?: Logger;
  metrics?: WorkerMetrics;
}

export interface RunningWorker {
  /** Stop taking jobs, let the active ones finish, then close every connection. */
  close(): Promise<void>;
  /** Resolves once connected to Redis. */
  ready: Promise<void>;
  /** Jobs running now. */
  active(): number;
}

interface OpenRun {
  spec: RunSpec;
  plan: SyncPlan;
  mapper: Mapper;
  client: Client;
  /** The catalog's URL, the key its pool is held under. */
  db: string;
  store: CatalogStore;
  /** Child kinds by kind, and the kind indices for job ids. */
  children: Map<string, string[]>;
  /** Per child kind, what of a parent record its jobs carry (parent-fields.ts); absent: all of it. */
  trims: Map<string, ParentTrim>;
  index: Map<string, number>;
  /** Jobs of the run running now; an evicted run closes when the last one ends. */
  active: number;
  evicted: boolean;
  /** Set by closeRun: an evicted run whose last job ends and the eviction itself may both close it. */
  closed: boolean;
}

/** Reservations a worker leases per round trip to Redis (redisBudgetStore's `lease`). */
const WORKER_LEASE = 16;

/**
 * Start a worker.
 * @example const worker = startWorker({ queue: 'redis://127.0.0.1:6379', concurrency: 4 }); … await worker.close();
 */
export function startWorker(options: WorkerOptions): RunningWorker {
  if (options.db !== undefined) requirePostgres(options.db);
  const redis = redisConnection(options.queue);
  // Leases: a worker answering hundreds of requests a second asks Redis once per few of them.
  const ownBudget =
    options.budgetStore === undefined ? redisBudgetStore(options.queue, { lease: WORKER_LEASE }) : undefined;
  const budgetStore = options.budgetStore ?? ownBudget!;
  const queue = new Queue<QueueJobData>(QUEUE_NAME, { connection: bullConnection(options.queue) });
  // A catalog's pool outlives a run (the next run on the same catalog reuses it), but a worker serving
  // many catalogs keeps only the few it used last: an idle pool holds connections until its timeout.
  const stores = heldCache<CatalogStore>((s) => s.close());
  const runs = new Map<string, Promise<OpenRun | undefined>>();
  // Mapper and client outlive a run: the next run of the same integration reuses them (run-parts.ts).
  const parts = partsCache();
  let activeJobs = 0;

  const openRun = async (run: string): Promise<OpenRun | undefined> => {
    const text = await redis.get(specKey(run));
    if (!text) return undefined;
    const spec = JSON.parse(text) as RunSpec;
    const loaded: LoadedManifest = {
      file: `<run ${spec.runId}>`,
      dir: '',
      manifest: spec.manifest,
      settings: spec.settings,
      mappingForeign: false,
      locate: () => ({ file: `<run ${spec.runId}>`, line: 0 }),
    };
    const foreign = spec.foreignMapping && ({ ...spec.foreignMapping } as MappingFile);
    const plan = await compilePlan(spec.plan);
    const db = options.db ?? requirePostgres(spec.db);
    // Both given back by closeRun, or here if the rest of the run fails to open.
    const store = await stores.take(db, () => openCatalog(db));
    let held: RunParts | undefined;
    try {
      held = await parts.take(spec, async () => ({
        mapper: await createMapper(loaded, foreign, (m) => options.logger?.warn(m)),
        client: connect(loaded, {
          budgetStore,
          logger: options.logger,
          onEvent: (event) => {
            countHttpEvent(event);
            options.metrics?.httpEvent(spec.plan.integration, event);
          },
        }),
      }));
      const shape = jobShape(spec, plan, held.mapper);
      return { ...shape, spec, plan, db, store, ...held, active: 0, evicted: false, closed: false };
    } catch (error) {
      if (held) await parts.release(spec);
      await stores.release(db);
      throw error;
    }
  };

  const runFor = (run: string) => {
    let opened = runs.get(run);
    if (!opened) {
      opened = openRun(run);
      runs.set(run, opened);
      // Only this attempt: an evicted run may have been reopened meanwhile, and that one must stay.
      const attempt = opened;
      attempt.catch(() => {
        if (runs.get(run) === attempt) runs.delete(run);
      });
      // Keep a few runs open; an evicted run is reopened from Redis if one of its jobs comes again.
      if (runs.size > 4) {
        const [oldest, pending] = runs.entries().next().value as [string, Promise<OpenRun | undefined>];
        runs.delete(oldest);
        void pending.then(
          (r) => {
            if (r) r.evicted = true;
            if (r?.active === 0) return closeRun(r);
          },
          () => {},
        );
      }
    }
    return opened;
  };

  const runOne = async (
    job: { id?: string; data: QueueJobData },
    signal?: AbortSignal,
  ): Promise<JobResult | { skipped: string }> => {
    const { data } = job;
    const opened = await runFor(data.run);
    // The run ended (its spec is gone) or lost its lease to a newer run: nothing to do for it.
    if (!opened) return { skipped: 'the run has ended' };
    opened.active++;
    try {
      return await runOpened(job, opened, signal);
    } finally {
      opened.active--;
      if (opened.evicted && opened.active === 0) await closeRun(opened);
    }
  };

  const runOpened = async (
    job: { id?: string; data: QueueJobData },
    opened: OpenRun,
    signal?: AbortSignal,
  ): Promise<JobResult | { skipped: string }> => {
    const { data } = job;
    const lease = await opened.store.getLease(opened.spec.plan.integration);
    if (lease?.runId !== opened.spec.runId) return { skipped: 'the run no longer holds its lease' };
    const kp = opened.plan.kinds[opened.index.get(data.kind)!]!;
    const controller = new AbortController();
    signal?.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
    const { spec } = opened;
    try {
      return await runJob(
        {
          integration: spec.plan.integration,
          runId: spec.runId,
          kp,
          client: opened.client,
          mapper: opened.mapper,
          store: opened.store,
          stored: spec.selected.includes(kp.kind),
          children: opened.children.get(kp.kind) ?? [],
          concurrency: spec.chainConcurrency,
          signal: controller.signal,
          allow: async (n, key) => {
            // Counted once per page: a retried job gets the same share it got the first time.
            const before = await countItems(redis, data.run, kp.kind, `${job.id ?? ''}/${key}`, n);
            return Math.max(0, Math.min(n, (kp.maxItems ?? Number.POSITIVE_INFINITY) - before));
          },
          onParents: async (child, records, key) => {
            const trim = opened.trims.get(child);
            const jobs = [];
            for (let b = 0; b * spec.batchSize < records.length; b++) {
              const jobId = childJobId(data.run, opened.index.get(child)!, job.id ?? '', `${key}-${b}`);
              const batch = records.slice(b * spec.batchSize, (b + 1) * spec.batchSize);
              const parents = trim ? batch.map(trim) : batch;
              jobs.push({
                name: child,
                data: { run: data.run, kind: child, parents },
                opts: { jobId, ...jobOptions(spec) },
              });
            }
            // The ids join the run's set before the jobs exist, so the coordinator cannot see the run done early.
            await redis.sadd(jobsKey(data.run), ...jobs.map((j) => j.opts.jobId));
            await queue.addBulk(jobs);
          },
          onWarning: (m) =>
            options.logger?.warn({ runId: spec.runId, kind: kp.kind }, opened.client.redactor.text(m)),
        },
        data,
      );
    } catch (error) {
      const failure = failureOf(error, kp.kind, opened.client.redactor, controller.signal.aborted);
      // The reason BullMQ stores and the coordinator shows: one redacted line with the stable code first.
      throw new Error(
        failure.error.startsWith('E_')
          ? failure.error
          : `${failure.errorCode ?? 'E_INTERNAL'} ${kp.kind}: ${failure.error}`,
        {
          cause: isInletError(error) ? undefined : error,
        },
      );
    }
  };

  const worker = new Worker<QueueJobData>(
    QUEUE_NAME,
    async (job, _token, signal) => {
      activeJobs++;
      const started = Date.now();
      try {
        const result = await runOne(job, signal);
        options.metrics?.jobDone(job.data, 'completed', result, Date.now() - started);
        return result;
      } catch (error) {
        options.metrics?.jobDone(job.data, 'failed', undefined, Date.now() - started);
        throw error;
      } finally {
        activeJobs--;
      }
    },
    {
      connection: bullConnection(options.queue),
      concurrency: options.concurrency ?? 4,
      lockDuration: options.lockDuration ?? 30_000,
      stalledInterval: options.lockDuration ?? 30_000,
      maxStalledCount: 3,
    },
  );
  worker.on('error', (error) => options.logger?.error(`worker: ${error.message}`));
  // Each failed attempt, also one BullMQ retries: the reason is the redacted line runOpened threw.
  worker.on('failed', (job, error) =>
    options.logger?.warn(
      { runId: job?.data.run, kind: job?.data.kind, job: job?.id, attempt: job?.attemptsMade },
      `job failed: ${error.message}`,
    ),
  );

  async function closeRun(opened: OpenRun | undefined): Promise<void> {
    if (!opened || opened.closed) return;
    opened.closed = true;
    await parts.release(opened.spec);
    await stores.release(opened.db);
  }

  return {
    ready: worker.waitUntilReady().then(() => undefined),
    active: () => activeJobs,
    async close() {
      // Each closed although one before it fails: a pool left open would hold the process.
      await closeInOrder([
        () => worker.close(),
        () => queue.close(),
        async () => {
          for (const pending of runs.values()) await pending.then(closeRun, () => {});
        },
        () => parts.close(),
        () => stores.close(),
        () => ownBudget?.close(),
        () => redis.disconnect(),
      ]);
    },
  };
}

/** Of a run's plan: the child kinds of each kind, what of a parent their jobs carry, and kind indices. */
function jobShape(spec: RunSpec, plan: SyncPlan, mapper: Mapper) {
  const children = new Map<string, string[]>();
  for (const k of plan.kinds) {
    if (k.parent && spec.read.includes(k.kind))
      children.set(k.parent, [...(children.get(k.parent) ?? []), k.kind]);
  }
  const trims = new Map<string, ParentTrim>();
  for (const kind of [...children.values()].flat()) {
    const resource = spec.manifest.resources[kind];
    const trim = resource && parentProjection(resource, mapper.readsParent(kind));
    if (trim) trims.set(kind, trim);
  }
  const index = new Map(plan.kinds.map((k, i) => [k.kind, i]));
  return { children, trims, index };
}
