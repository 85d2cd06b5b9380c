import type { CatalogStore, Entity, KindStatus, RunCounts } from '../catalog/index.js';
import { pageBatches } from '../http/async/index.js';
import type { Client } from '../http/client.js';
import { withLogContext } from '../http/log.js';
import { failureOf, kindContext, type PageTally, storePages } from './kind-pages.js';
import { type LeaseSettings, startLeasedRun } from './lease.js';
import type { KindPlan, SyncPlan } from './plan.js';
import { createReader, type PageOfKind } from './read-kinds.js';
import { markPartial, newOutcomes, reconcileRun } from './reconcile-run.js';
import { newSummary, outcomeOf } from './run-outcome.js';
import { selectKinds } from './select-kinds.js';

type Json = Record<string, unknown>;

/** The mapping layer as the engine needs it (src/mapping adapts to this). */
export interface Mapper {
  /** Rejects with `signal.reason` when it aborts, and with E_MAPPING past `mapping.timeout`. */
  mapPage(
    kind: string,
    records: Json[],
    bindings: { parent?: Json; vars?: Json },
    options?: { signal?: AbortSignal },
  ): Promise<{ entities: Entity[]; skipped: number }>;
  /** Blueprints a kind's mapping names as literals, and whether any is computed per record. */
  blueprintsOf(kind: string): { literals: string[]; dynamic: boolean };
  /** Whether any mapping entry reads this kind (an unmapped kind is not read unless it is a parent). */
  maps(kind: string): boolean;
  /** Whether a kind's mapping may read `$parent` (else a child's record needs only what its requests use). */
  readsParent(kind: string): boolean;
  deleteStaleEntities: boolean;
  deletionThreshold: number;
  /** Ends the mapper's jq thread. */
  close?(): Promise<void>;
}

/** The slice of the catalog the engine uses (the layer below, through a small interface). */
export type SyncStore = Pick<
  CatalogStore,
  'startRun' | 'heartbeat' | 'upsertBatch' | 'deleteStale' | 'finishRun' | 'setState'
>;

/** Where a kind's incremental cursors are stored: one value per chain key. */
export const incrementalStateKey = (kind: string) => `incremental:${kind}`;

export type Counts = RunCounts;

export interface KindSummary extends Counts {
  kind: string;
  status: KindStatus;
  /** False while the kind is still being read. */
  done: boolean;
  durationMs: number;
  /** Why the kind is partial or skipped. */
  reason?: string;
  /** The failure's one-line form (`E_AUTH repo GET https://… 401: …`). */
  error?: string;
  errorCode?: string;
}

export interface SyncSummary {
  runId: number;
  status: 'succeeded' | 'failed' | 'aborted';
  kinds: KindSummary[];
  totals: Counts;
  /** One line per blueprint that was not reconciled, saying why. */
  notes: string[];
}

export interface SyncOptions {
  plan: SyncPlan;
  client: Client;
  mapper: Mapper;
  store: SyncStore;
  /** `--kinds a,b`: read only these (and their parents, which are read but not stored). */
  kinds?: string[];
  /** Chains of one kind read at once. @default 8 */
  chainConcurrency?: number;
  /** One run of an integration at a time per catalog: wait for it or not, TTL, holder. */
  lease?: LeaseSettings;
  signal?: AbortSignal;
  /** Called after each page is stored. */
  onProgress?: (kind: KindSummary) => void;
  onWarning?: (message: string) => void;
}

/**
 * One resync (docs: README "When is an entity deleted"): the run takes the integration's lease,
 * every selected kind is read concurrently, pages are mapped and stored as they arrive, a parent
 * kind is read once however many kinds use it, and stale entities are deleted only for blueprints
 * whose producing kinds were all read completely, within the deletion threshold, never after an
 * abort, and only among entities written before the run started. The run is closed in every path.
 */
export async function runSync(options: SyncOptions): Promise<SyncSummary> {
  const { plan, mapper, store } = options;
  const selection = selectKinds(plan, mapper, options.kinds);
  // The run stops on Ctrl-C and when another process took the lease over (nothing is deleted then).
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
  let result: SyncSummary | undefined;
  let fatal: unknown;
  try {
    result = await readAndReconcile(options, selection, run.runId, summaries, run.signal, run.lostLease);
    return result;
  } catch (error) {
    fatal = error;
    throw error;
  } finally {
    await run.release();
    await store.finishRun(run.runId, outcomeOf(plan, summaries, selection.skipped, result, fatal));
  }
}

async function readAndReconcile(
  options: SyncOptions,
  selection: ReturnType<typeof selectKinds>,
  runId: number,
  summaries: Map<string, KindSummary>,
  signal: AbortSignal,
  lostLease: () => boolean,
): Promise<SyncSummary> {
  const { plan, client, mapper, store } = options;
  const byKind = new Map(plan.kinds.map((k) => [k.kind, k]));
  // Every warning passes the client's redactor: a URL in it may carry a token (issue 8).
  const warn = (message: string) => options.onWarning?.(client.redactor.text(message));
  const reader = createReader({
    kinds: byKind,
    client,
    consumers: selection.consumers,
    concurrency: options.chainConcurrency ?? 8,
    signal,
    onWarning: warn,
  });
  const outcomes = newOutcomes(plan, mapper);

  const readKind = async (kp: KindPlan, summary: KindSummary) => {
    const outcome = outcomes.get(kp.kind)!;
    outcome.ran = true;
    const started = Date.now();
    const tally: PageTally = { summary, blueprints: outcome.blueprints, cursors: {} };
    const target = { integration: plan.integration, runId, mapper, store, signal };
    let cutByMaxItems: string | undefined;
    options.onProgress?.(summary);
    try {
      // Pages are read ahead while others are stored, so requests and writes overlap; the pages that
      // piled up meanwhile go in one write (src/http/async/read-ahead.ts). Not past a maxItems cap.
      const size = options.chainConcurrency ?? 8;
      const batches = pageBatches(reader.pagesOf(kp.kind), size, kp.maxItems === undefined);
      for await (const batch of batches) {
        const pages: PageOfKind[] = [];
        let taken = summary.records;
        for (const page of batch) {
          let records = page.records;
          if (kp.maxItems !== undefined && taken + records.length > kp.maxItems) {
            // Records beyond the cap exist: the kind is cut short, so it is partial.
            records = records.slice(0, kp.maxItems - taken);
            cutByMaxItems = `maxItems (${kp.maxItems}) reached`;
            warn(`${kp.kind}: maxItems (${kp.maxItems}) reached; the rest is not read`);
          }
          taken += records.length;
          pages.push({ ...page, records });
          if (cutByMaxItems) break;
        }
        await storePages(target, kp, pages, tally);
        summary.durationMs = Date.now() - started;
        options.onProgress?.(summary);
        if (cutByMaxItems) break;
      }
      signal.throwIfAborted();
      outcome.complete = true;
      const cut = cutByMaxItems ?? reader.cutShort(kp.kind);
      // §5: the stored cursor advances only when the whole kind was read.
      if (!cut && kp.incremental && Object.keys(tally.cursors).length > 0) {
        await store.setState(plan.integration, incrementalStateKey(kp.kind), tally.cursors);
      }
    } catch (error) {
      summary.status = signal.aborted ? 'aborted' : 'failed';
      Object.assign(summary, failureOf(error, kp.kind, client.redactor, signal.aborted));
    }
    summary.durationMs = Date.now() - started;
    if (cutByMaxItems) summary.reason = cutByMaxItems;
  };

  await Promise.all(
    selection.selected.map((kp) => {
      const summary = summaries.get(kp.kind)!;
      // Log lines written while reading the kind (retries, waits, warnings) carry its name and the run.
      return kindContext.run(summary, () =>
        withLogContext({ kind: kp.kind, runId }, () => readKind(kp, summary)),
      );
    }),
  );
  markPartial(plan, selection, summaries, outcomes, reader.cutShort, options.onProgress);
  return reconcileRun({
    plan,
    mapper,
    store,
    runId,
    selection,
    summaries,
    outcomes,
    aborted: signal.aborted,
    lostLease: lostLease(),
  });
}
