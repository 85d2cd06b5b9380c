/**
 * What a queued run shares between its coordinator and the workers (docs: README "Running on
 * several machines"): the BullMQ queue `inlet-sync`, one Redis key per run holding the rendered
 * manifest, settings and plan (secrets included, so they live only in Redis and are deleted when the
 * run ends), the set of the run's job ids, and the job data itself (a kind and a chain or parents).
 */
import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { ConfigError } from '../errors/errors.js';
import type { Manifest } from '../manifest/schema.js';
import type { ResolvedSettings } from '../manifest/settings.js';
import type { PlanData } from '../sync/plan.js';
import type { JobSpec } from '../sync/sync-job.js';

/** The BullMQ queue every coordinator and worker uses (contract: workers). */
export const QUEUE_NAME = 'inlet-sync';

/** @default redis://127.0.0.1:6379 */
export const DEFAULT_QUEUE_URL = 'redis://127.0.0.1:6379';

/** Everything a worker needs to run any job of a run, stored once per run in Redis. */
export interface RunSpec {
  /** The run's id in `sync_runs`. */
  runId: number;
  /** The catalog URL the coordinator writes to (a worker's own `--db` takes precedence). */
  db: string;
  manifest: Manifest;
  settings: ResolvedSettings;
  /** A `--mapping` file's parsed content, used instead of the manifest's mapping. */
  foreignMapping?: { file: string; value: unknown };
  plan: PlanData;
  /** Kinds mapped and stored. */
  selected: string[];
  /** Kinds read (the selected ones and their ancestors), in plan order. */
  read: string[];
  /** Parent records per child job. */
  batchSize: number;
  /** Chains read at once within one job. */
  chainConcurrency: number;
  attempts: number;
  backoffMs: number;
}

/** The data of one BullMQ job: which run, and which piece of it. */
export interface QueueJobData extends JobSpec {
  run: string;
}

/** What a job returns to the coordinator (through BullMQ's `returnvalue`). */
export type { JobResult } from '../sync/sync-job.js';

/** A run's key in Redis: the catalog's run id and a random part (two catalogs may share one Redis). */
export const newRunKey = (runId: number) => `${runId}-${randomBytes(4).toString('hex')}`;
export const specKey = (run: string) => `inlet:run:${run}`;
export const jobsKey = (run: string) => `inlet:run:${run}:jobs`;
export const itemsKey = (run: string, kind: string) => `inlet:run:${run}:items:${kind}`;
/** A job id names its run first: `<run>.<kind index>.<chain>` and, for child batches, `<parent job>.<kind index>.<page key>.<batch>`. */
export const jobOfRun = (run: string, jobId: string | undefined) => jobId?.startsWith(`${run}.`) === true;

/** An ioredis connection as BullMQ workers need it (commands wait for a reconnect instead of failing). */
export function redisConnection(url: string): Redis {
  if (!/^rediss?:\/\//i.test(url)) {
    throw new ConfigError(`--queue: "${url}" is not a redis:// or rediss:// URL`);
  }
  return new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
}

/** Several machines cannot share a SQLite file: a queued run and a worker need PostgreSQL. */
export function requirePostgres(db: string | undefined, flag = '--db'): string {
  if (db && /^postgres(ql)?:\/\//i.test(db)) return db;
  throw new ConfigError(
    `${flag}: "${db ?? ''}" is a SQLite file; --queue needs a PostgreSQL catalog (postgres://…) that every worker reaches`,
  );
}

/** The id of a child batch job: its run and kind first (the coordinator reads the kind from it), then a digest of where it came from. */
export function childJobId(run: string, kindIndex: number, parentJobId: string, key: string): string {
  const digest = createHash('sha256').update(`${parentJobId}/${key}`).digest('hex').slice(0, 20);
  return `${run}.${kindIndex}.${digest}`;
}

/** BullMQ's own connections (a Queue, its events, a Worker), each closed with its owner. */
export const bullConnection = (url: string) => ({ url, maxRetriesPerRequest: null });

/** Attempts and backoff of every job of a run; finished jobs stay a day (a retried parent finds its children by id). */
export const jobOptions = (spec: RunSpec) => ({
  attempts: spec.attempts,
  backoff: { type: 'exponential', delay: spec.backoffMs },
  removeOnComplete: { age: 24 * 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
});
