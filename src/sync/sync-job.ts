/**
 * One piece of a run, as a queue worker executes it: one request chain of a top-level kind, or the
 * chains of a batch of parent records for a child kind. Pages are mapped and upserted under the
 * coordinator's run exactly as a local run does (src/sync/kind-pages.ts); a kind's children are
 * handed their parents page by page, so no job holds more than a few pages.
 */
import type { CatalogStore } from '../catalog/index.js';
import { mergeBounded, pageBatches, settleAll } from '../http/async/index.js';
import type { Client } from '../http/client.js';
import type { Counts, Mapper } from './engine.js';
import { kindContext, type PageTally, storePages } from './kind-pages.js';
import type { ChainStart, KindPlan } from './plan.js';
import { chainPages, type PageOfKind } from './read-kinds.js';
import { COUNT_KEYS, newSummary } from './run-outcome.js';

type Json = Record<string, unknown>;

/** What a job reads: `chain` of a top-level kind, or every chain of `parents` for a child kind. */
export interface JobSpec {
  kind: string;
  /** The index of the chain in the kind's chains (a kind with `for` has one per element). */
  chain?: number;
  /** Parent records (a page's slice) whose chains of `kind` this job reads. */
  parents?: Json[];
}

export interface JobContext {
  integration: string;
  runId: number;
  kp: KindPlan;
  client: Client;
  mapper: Mapper;
  store: Pick<CatalogStore, 'upsertBatch'>;
  /** False for a kind read only for its children's sake (not mapped, not stored). */
  stored: boolean;
  /** Kinds of this run whose parent is this kind. */
  children: string[];
  /** Chains read at once within the job. */
  concurrency: number;
  signal: AbortSignal;
  /**
   * `maxItems`: of `n` more records, how many the kind may still keep (a counter shared by the run's
   * jobs). `key` names the page as `onParents` does, so a retried job's pages are not counted twice.
   */
  allow?: (n: number, key: string) => Promise<number>;
  /**
   * A page of this kind's records for a child kind's jobs; `key` is the same for the same page on a
   * retried job (chain and page number), so a job handed to another worker enqueues no duplicate.
   */
  onParents(child: string, records: Json[], key: string): Promise<void>;
  onWarning?: (message: string) => void;
}

export interface JobResult extends Counts {
  /** Why a chain of the job was cut short (maxPages, a loop, a cap): the kind is then partial. */
  cut?: string;
  /** Set when `maxItems` stopped the job: the kind is then partial. */
  capped?: string;
  /** The greatest incremental cursor per chain key read. */
  cursors?: Json;
  /** Blueprints of the entities written (a computed blueprint program). */
  blueprints: string[];
}

/** Read, map and store one job's chains; a failure rejects (the queue retries, then fails the kind). */
export async function runJob(ctx: JobContext, spec: JobSpec): Promise<JobResult> {
  const { kp } = ctx;
  const summary = newSummary(kp.kind);
  const tally: PageTally = { summary, blueprints: new Set(), cursors: {} };
  let cut: string | undefined;
  let capped: string | undefined;
  const chainCtx = {
    client: ctx.client,
    signal: ctx.signal,
    onWarning: ctx.onWarning,
    markCut: (_kind: string, reason: string) => {
      cut ??= reason;
    },
    // A chain whose pages feed child jobs is what the other workers wait for.
    parents: new Set(ctx.children.length > 0 ? [kp.kind] : []),
  };
  const starts: { start: ChainStart; parent?: Json; tag: string }[] = spec.parents
    ? spec.parents.flatMap((parent, i) =>
        kp.chains(parent).map((start, j) => ({ start, parent, tag: `${i}-${j}` })),
      )
    : [{ start: chainAt(kp, spec.chain ?? 0), tag: String(spec.chain ?? 0) }];
  async function* tagged(s: (typeof starts)[number]): AsyncGenerator<{ page: PageOfKind; key: string }> {
    let n = 0;
    for await (const page of chainPages(chainCtx, kp, s.start, s.parent))
      yield { page, key: `${s.tag}-${n++}` };
  }
  const target = ctx;
  await kindContext.run(summary, async () => {
    // Pages are read ahead while others are stored, so requests and writes overlap; the pages that
    // piled up meanwhile go in one write (src/http/async/read-ahead.ts). Not past a maxItems cap.
    const batches = pageBatches(
      mergeBounded(starts.map(tagged), { concurrency: ctx.concurrency }),
      ctx.concurrency,
      kp.maxItems === undefined,
    );
    for await (const batch of batches) {
      const pages: { page: PageOfKind; key: string }[] = [];
      for (const { page, key } of batch) {
        let records = page.records;
        if (kp.maxItems !== undefined && ctx.allow) {
          const keep = await ctx.allow(records.length, key);
          if (keep < records.length) {
            records = records.slice(0, keep);
            capped = `maxItems (${kp.maxItems}) reached`;
            ctx.onWarning?.(`${kp.kind}: maxItems (${kp.maxItems}) reached; the rest is not read`);
          }
        }
        pages.push({ page: { ...page, records }, key });
        if (capped) break;
      }
      // Child jobs are enqueued while their parents' pages are stored, as a local run reads children
      // while it stores (read-kinds.ts): the other workers start on them one write sooner. Keyed by
      // page, so a retried job enqueues no duplicate.
      const enqueued = enqueueChildren(ctx, pages);
      const stored = ctx.stored
        ? storePages(
            target,
            kp,
            pages.map((p) => p.page),
            tally,
          )
        : undefined;
      if (!stored) for (const { page } of pages) summary.records += page.records.length;
      // Both settle before the job fails: a job that rejected while its enqueues went on would let
      // the coordinator finish the run, then add jobs to a run already cleaned up.
      await settleAll([enqueued, stored]);
      if (capped) break;
    }
    ctx.signal.throwIfAborted();
  });
  const counts = Object.fromEntries(COUNT_KEYS.map((k) => [k, summary[k]])) as unknown as Counts;
  return {
    ...counts,
    ...(cut && { cut }),
    ...(capped && { capped }),
    ...(Object.keys(tally.cursors).length > 0 && { cursors: tally.cursors }),
    blueprints: [...tally.blueprints],
  };
}

/** Each page's records to every child kind, one page after the other (a page is one onParents call). */
async function enqueueChildren(ctx: JobContext, pages: { page: PageOfKind; key: string }[]): Promise<void> {
  for (const { page, key } of pages) {
    if (page.records.length === 0) continue;
    for (const child of ctx.children) await ctx.onParents(child, page.records, key);
  }
}

function chainAt(kp: KindPlan, index: number): ChainStart {
  const start = kp.chains()[index];
  if (!start)
    throw new Error(`${kp.kind}: no chain ${index} (the settings changed since the run was planned?)`);
  return start;
}
