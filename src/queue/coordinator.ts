/**
 * `inlet sync <integration> --queue redis://… --db postgres://…`: the coordinator of a run split
 * across workers (docs: README "Running on several machines"). It takes the run's lease and
 * heartbeats it as a local run does, puts the run's spec in Redis, enqueues one job per chain of each
 * top-level kind on `inlet-sync` (workers enqueue child batches as parent pages arrive), follows the
 * jobs as they finish, then reconciles under the local rules and closes the run.
 */
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { type CatalogStore, openCatalog } from '../catalog/index.js';
import { closeInOrder } from '../http/async/index.js';
import { incrementalStateKey, type KindSummary, type SyncSummary } from '../sync/engine.js';
import { type LeaseSettings, startLeasedRun } from '../sync/lease.js';
import { checkKinds, type Integration, openIntegration, storedCursors } from '../sync/open-integration.js';
import type { SyncPlan } from '../sync/plan.js';
import { markPartial, newOutcomes, reconcileRun } from '../sync/reconcile-run.js';
import { newSummary, outcomeOf } from '../sync/run-outcome.js';
import { selectKinds } from '../sync/select-kinds.js';
import type { SyncIntegrationOptions } from '../sync/sync-integration.js';
import { itemPagesKey } from './run-items.js';
import {
  bullConnection,
  itemsKey,
  type JobResult,
  jobOfRun,
  jobOptions,
  jobsKey,
  newRunKey,
  QUEUE_NAME,
  type QueueJobData,
  type RunSpec,
  redisConnection,
  requirePostgres,
  specKey,
} from './run-spec.js';
import { createTracker, type RunTracker } from './run-tracker.js';

export interface QueuedRunOptions {
  /** The Redis URL of the queue (`--queue`). */
  queue: string;
  /** The PostgreSQL catalog every worker reaches (`--db`). */
  db?: string;
  kinds?: string[];
  full?: boolean;
  lease?: LeaseSettings;
  signal?: AbortSignal;
  onProgress?: (kind: KindSummary) => void;
  onWarning?: (message: string) => void;
  /** Parent records per child job. @default 50 */
  batchSize?: number;
  /** Attempts per job before it fails its kind. @default 3 */
  attempts?: number;
  /** First retry delay of a failed job, doubled per attempt. @default 1000 */
  backoffMs?: number;
}

/**
 * Open the integration and run it through the queue.
 * @example const summary = await syncQueued('integrations/github', { queue: 'redis://127.0.0.1:6379', db: 'postgres://…', set: ['orgs=acme'] });
 */
export async function syncQueued(
  path: string,
  options: SyncIntegrationOptions & Omit<QueuedRunOptions, 'db'>,
): Promise<SyncSummary> {
  const db = requirePostgres(typeof options.db === 'string' ? options.db : undefined);
  // The catalog connects while the manifest and mapping compile: both are on the run's critical path.
  const opening = openCatalog(db);
  // Handled here so a catalog that fails first is no unhandled rejection; runQueued reports it.
  opening.catch(() => {});
  let integration: Integration;
  try {
    integration = await openIntegration(path, options);
  } catch (error) {
    // Not awaited: the manifest's error is shown at once, even while an unreachable host times out.
    void opening.then((s) => s.close()).catch(() => {});
    throw error;
  }
  try {
    return await runQueued(integration, { ...options, db }, opening);
  } finally {
    await integration.close();
  }
}

/**
 * One run of an opened integration through the queue; same summary and outcomes as `integration.sync`.
 * `opening`: the catalog of `options.db`, already being opened (closed by this run); by default opened here.
 */
export async function runQueued(
  integration: Integration,
  options: QueuedRunOptions,
  opening?: Promise<CatalogStore>,
): Promise<SyncSummary> {
  const db = requirePostgres(options.db);
  let redis: Redis;
  try {
    redis = redisConnection(options.queue);
  } catch (error) {
    // A bad --queue URL: the catalog being opened for this run is closed, not left holding the process.
    void opening?.then((s) => s.close()).catch(() => {});
    throw error;
  }
  // The queue's connections open while the catalog, cursors, plan and lease are read: all of them
  // stand before the first job (docs/performance.md, scale-out).
  const bull = openQueue(options.queue);
  let store: CatalogStore;
  try {
    store = await (opening ?? openCatalog(db));
  } catch (error) {
    await closeInOrder([() => bull.close(), () => redis.disconnect()]).catch(() => {});
    throw error;
  }
  // A run that failed reports its own error, not one of a close after it.
  let failed = false;
  const unlessFailed = (error: unknown) => {
    if (!failed) throw error;
  };
  try {
    const cursors = options.full ? {} : await storedCursors(store, integration.loaded);
    const data = integration.planData(cursors);
    const plan = await integration.compile(data);
    checkKinds(plan, options.kinds);
    const selection = selectKinds(plan, integration.mapper, options.kinds);
    const run = await startLeasedRun(
      store,
      plan.integration,
      selection.selected.map((k) => k.kind),
      options.lease,
      options.signal,
      options.onWarning,
    );
    const summaries = new Map<string, KindSummary>();
    for (const kp of selection.selected) summaries.set(kp.kind, newSummary(kp.kind));
    const outcomes = newOutcomes(plan, integration.mapper);
    for (const kp of selection.selected) outcomes.get(kp.kind)!.ran = true;
    const tracker = createTracker(plan, summaries, outcomes, options.onProgress);
    const runKey = newRunKey(run.runId);
    const read = plan.kinds.filter((k) => selection.consumers(k.kind) > 0).map((k) => k.kind);
    const spec: RunSpec = {
      runId: run.runId,
      db,
      manifest: integration.loaded.manifest,
      settings: integration.loaded.settings,
      // Workers map with the coordinator's `--mapping` file, not the integration's own mapping.
      ...(integration.foreignMapping && { foreignMapping: integration.foreignMapping }),
      plan: data,
      selected: selection.selected.map((k) => k.kind),
      read,
      batchSize: options.batchSize ?? 50,
      chainConcurrency: 8,
      attempts: options.attempts ?? 3,
      backoffMs: options.backoffMs ?? 1000,
    };
    let result: SyncSummary | undefined;
    let fatal: unknown;
    try {
      for (const s of summaries.values()) options.onProgress?.(s);
      await runJobs(bull, redis, runKey, spec, plan, tracker, run.signal);
      const aborted = run.signal.aborted;
      for (const kp of selection.selected) {
        const summary = summaries.get(kp.kind)!;
        if (aborted && summary.status === 'succeeded') summary.status = 'aborted';
        const complete = !aborted && !tracker.failedKinds.has(kp.kind);
        outcomes.get(kp.kind)!.complete = complete;
        const kindCursors = tracker.cursors(kp.kind);
        // §5: the stored cursor advances only when the whole kind was read.
        if (complete && !summary.reason && !tracker.cutShort(kp.kind) && kp.incremental) {
          if (Object.keys(kindCursors).length > 0) {
            await store.setState(plan.integration, incrementalStateKey(kp.kind), kindCursors);
          }
        }
      }
      markPartial(plan, selection, summaries, outcomes, tracker.cutShort, options.onProgress);
      result = await reconcileRun({
        plan,
        mapper: integration.mapper,
        store,
        runId: run.runId,
        selection,
        summaries,
        outcomes,
        aborted,
        lostLease: run.lostLease(),
      });
      return result;
    } catch (error) {
      fatal = error;
      failed = true;
      throw error;
    } finally {
      await closeInOrder([
        () => run.release(),
        () => store.finishRun(run.runId, outcomeOf(plan, summaries, selection.skipped, result, fatal)),
        () => cleanUp(bull.queue, redis, runKey, read),
      ]).catch(unlessFailed);
    }
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    // Each closed although one before it fails: a pool left open would hold the process.
    await closeInOrder([() => bull.close(), () => redis.disconnect(), () => store.close()]).catch(
      unlessFailed,
    );
  }
}

/** The run's queue and its event stream; `ready` once the stream is read, so no completion is missed. */
interface RunQueue {
  queue: Queue<QueueJobData>;
  events: QueueEvents;
  close(): Promise<void>;
}

function openQueue(url: string): RunQueue {
  const connection = bullConnection(url);
  const queue = new Queue<QueueJobData>(QUEUE_NAME, { connection });
  const events = new QueueEvents(QUEUE_NAME, { connection });
  // Errors surface through the commands that use them (waitUntilReady, addBulk); not as 'error' events.
  queue.on('error', () => {});
  events.on('error', () => {});
  return {
    queue,
    events,
    close: () => closeInOrder([() => events.close(), () => queue.close()]),
  };
}

/** Enqueue the top-level chains and wait until every job of the run finished (or the run aborts). */
async function runJobs(
  { queue, events }: RunQueue,
  redis: Redis,
  run: string,
  spec: RunSpec,
  plan: SyncPlan,
  tracker: RunTracker,
  signal: AbortSignal,
): Promise<void> {
  await events.waitUntilReady();
  await redis.set(specKey(run), JSON.stringify(spec), 'EX', 7 * 24 * 3600);
  let resolveDone = () => {};
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  let idleSince = Date.now();
  const check = async () => {
    idleSince = Date.now();
    if (tracker.finished.size >= (await redis.scard(jobsKey(run)))) resolveDone();
  };
  const onCompleted = ({ jobId, returnvalue }: { jobId: string; returnvalue: unknown }) => {
    if (!jobOfRun(run, jobId)) return;
    const value = typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue;
    tracker.completed(jobId, value as JobResult);
    void check().catch(() => {});
  };
  const onFailed = ({ jobId, failedReason }: { jobId: string; failedReason: string }) => {
    if (!jobOfRun(run, jobId)) return;
    tracker.failed(jobId, failedReason);
    void check().catch(() => {});
  };
  events.on('completed', onCompleted);
  events.on('failed', onFailed);
  // Events are the fast path; if none came for a while, read the states of unfinished jobs (a trimmed stream).
  const sweep = setInterval(() => {
    if (Date.now() - idleSince < 5000) return;
    idleSince = Date.now();
    void sweepStates(redis, queue, run, tracker).then(check, () => {});
  }, 1000);
  try {
    const jobs = topLevelJobs(run, spec, plan);
    if (jobs.length > 0) await redis.sadd(jobsKey(run), ...jobs.map((j) => j.opts.jobId));
    await queue.addBulk(jobs);
    await check();
    const aborted = new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await Promise.race([done, aborted]);
  } finally {
    clearInterval(sweep);
    events.off('completed', onCompleted);
    events.off('failed', onFailed);
  }
}

function topLevelJobs(run: string, spec: RunSpec, plan: SyncPlan) {
  const index = new Map(spec.plan.kinds.map((k, i) => [k.kind, i]));
  const opts = (jobId: string) => ({ jobId, ...jobOptions(spec) });
  const jobs: { name: string; data: QueueJobData; opts: ReturnType<typeof opts> }[] = [];
  for (const kind of spec.read) {
    const kp = plan.kinds[index.get(kind)!]!;
    if (kp.parent) continue;
    const chains = kp.chains().length;
    for (let i = 0; i < chains; i++) {
      jobs.push({ name: kind, data: { run, kind, chain: i }, opts: opts(`${run}.${index.get(kind)}.c${i}`) });
    }
  }
  return jobs;
}

async function sweepStates(redis: Redis, queue: Queue, run: string, tracker: RunTracker): Promise<void> {
  for (const id of await redis.smembers(jobsKey(run))) {
    if (tracker.finished.has(id)) continue;
    const job = await queue.getJob(id);
    if (!job) continue;
    const state = await job.getState();
    if (state === 'completed') tracker.completed(id, job.returnvalue as JobResult);
    else if (state === 'failed') tracker.failed(id, job.failedReason);
  }
}

/** The run's jobs, spec (secrets) and counters leave Redis with the run; a late job finds no spec and skips. */
async function cleanUp(queue: Queue, redis: Redis, run: string, kinds: string[]): Promise<void> {
  try {
    const ids = await redis.smembers(jobsKey(run));
    for (let i = 0; i < ids.length; i += 200) {
      await Promise.all(ids.slice(i, i + 200).map((id) => queue.remove(id).catch(() => 0)));
    }
    const counters = kinds.flatMap((k) => [itemsKey(run, k), itemPagesKey(run, k)]);
    await redis.del(specKey(run), jobsKey(run), ...counters);
  } catch {
    // Redis gone: the spec expires on its own (7 days); the run itself is already closed in the catalog.
  }
}
