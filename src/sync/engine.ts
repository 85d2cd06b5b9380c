import { AsyncLocalStorage } from 'node:async_hooks';
import { setMaxListeners } from 'node:events';
import type { CatalogStore, Entity, KindStatus, RunCounts } from '../catalog/index.js';
import { type InletError, isInletError } from '../errors/errors.js';
import type { Client } from '../http/client.js';
import { withLogContext } from '../http/log.js';
import type { HttpEvent } from '../http/types.js';
import { acquireRun, keepLease, type LeaseSettings } from './lease.js';
import type { KindPlan, SyncPlan } from './plan.js';
import { createReader, type PageOfKind } from './read-kinds.js';
import { COUNT_KEYS, newSummary, outcomeOf, zeroCounts } from './run-outcome.js';
import { selectKinds } from './select-kinds.js';
import { type KindOutcome, reconcilable } from './stale.js';

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

/** The kind whose pipeline caused the current async work, so HTTP events count against it. */
const kindContext = new AsyncLocalStorage<KindSummary>();

/**
 * Counts a client event (a request on the wire, a retry) against the kind being read. Pass it
 * to the client's `onEvent`. A parent read once for several kinds counts against the kind that
 * pulled it first.
 */
export function countHttpEvent(event: HttpEvent): void {
  const summary = kindContext.getStore();
  if (!summary) return;
  if (event.type === 'request') summary.requests++;
  else if (event.type === 'retry') summary.retries++;
}

/** Keeps the greatest cursor per chain; numbers compare as numbers, anything else as strings (ISO dates sort). */
function trackCursor(cursors: Json, page: PageOfKind, cursor: (r: Json) => unknown): void {
  for (const record of page.records) {
    const value = cursor(record);
    if (value === null || value === undefined || value === '') continue;
    const current = cursors[page.chain];
    const greater =
      current === undefined ||
      (typeof value === 'number' && typeof current === 'number'
        ? value > current
        : String(value) > String(current));
    if (greater) cursors[page.chain] = value;
  }
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
  const run = await acquireRun(
    store,
    plan.integration,
    selection.selected.map((k) => k.kind),
    options.lease,
    options.signal,
    options.onWarning,
  );
  if (run.tookOver) {
    options.onWarning?.(
      `took over the lease of run ${run.tookOver.runId} (holder ${run.tookOver.holder.pid}@${run.tookOver.holder.host} silent since ${run.tookOver.heartbeatAt}); it is marked aborted`,
    );
  }
  // The run stops on Ctrl-C and when another process took the lease over (nothing is deleted then).
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  let lostLease = false;
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  const lease = keepLease(store, run.runId, run.ttlMs, () => {
    lostLease = true;
    controller.abort(new Error(`run ${run.runId} lost its lease`));
  });
  const summaries = new Map<string, KindSummary>();
  for (const kp of selection.selected) summaries.set(kp.kind, newSummary(kp.kind));
  let result: SyncSummary | undefined;
  let fatal: unknown;
  try {
    result = await readAndReconcile(
      options,
      selection,
      run.runId,
      summaries,
      controller.signal,
      () => lostLease,
    );
    return result;
  } catch (error) {
    fatal = error;
    throw error;
  } finally {
    await lease.stop();
    options.signal?.removeEventListener('abort', onAbort);
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
  const outcomes = new Map<string, KindOutcome>(
    plan.kinds.map((kp) => {
      const { literals, dynamic } = mapper.blueprintsOf(kp.kind);
      const outcome: KindOutcome = {
        kind: kp.kind,
        blueprints: new Set(literals),
        dynamicBlueprint: dynamic,
        complete: false,
        ran: false,
      };
      return [kp.kind, outcome];
    }),
  );

  const readKind = async (kp: KindPlan, summary: KindSummary) => {
    const outcome = outcomes.get(kp.kind)!;
    outcome.ran = true;
    const started = Date.now();
    const cursors: Json = {};
    let cutByMaxItems: string | undefined;
    options.onProgress?.(summary);
    try {
      for await (const page of reader.pagesOf(kp.kind)) {
        let records = page.records;
        if (kp.maxItems !== undefined && summary.records + records.length > kp.maxItems) {
          // Records beyond the cap exist: the kind is cut short, so it is partial.
          records = records.slice(0, kp.maxItems - summary.records);
          cutByMaxItems = `maxItems (${kp.maxItems}) reached`;
          warn(`${kp.kind}: maxItems (${kp.maxItems}) reached; the rest is not read`);
        }
        if (kp.incremental) trackCursor(cursors, { ...page, records }, kp.incremental.cursor);
        summary.records += records.length;
        // The signal ends a page whose jq never finishes (Ctrl-C within a moment, not mapping.timeout).
        const { entities, skipped } = await mapper.mapPage(
          kp.kind,
          records,
          { parent: page.parent, vars: page.vars },
          { signal },
        );
        summary.skipped += skipped;
        for (const e of entities) outcome.blueprints.add(e.blueprint);
        const stored = await store.upsertBatch(plan.integration, runId, entities);
        summary.upserted += stored.upserted;
        summary.unchanged += stored.unchanged;
        summary.durationMs = Date.now() - started;
        options.onProgress?.(summary);
        if (cutByMaxItems) break;
      }
      signal.throwIfAborted();
      outcome.complete = true;
      const cut = cutByMaxItems ?? reader.cutShort(kp.kind);
      // §5: the stored cursor advances only when the whole kind was read.
      if (!cut && kp.incremental && Object.keys(cursors).length > 0) {
        await store.setState(plan.integration, incrementalStateKey(kp.kind), cursors);
      }
    } catch (error) {
      summary.status = signal.aborted ? 'aborted' : 'failed';
      summary.error = isInletError(error)
        ? lineOfKind(error, kp.kind)
        : client.redactor.text(error instanceof Error ? error.message : String(error));
      summary.errorCode = isInletError(error) ? error.code : signal.aborted ? undefined : 'E_INTERNAL';
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
  // Partial is decided once every chain ended: a cut anywhere up the parent line counts.
  for (const kp of selection.selected) {
    const summary = summaries.get(kp.kind)!;
    const partial = summary.reason ?? partialOf(kp.kind, byKind, reader.cutShort);
    outcomes.get(kp.kind)!.partial = partial;
    if (partial && summary.status === 'succeeded') {
      summary.status = 'partial';
      summary.reason = partial;
    }
    summary.done = true;
    options.onProgress?.(summary);
  }

  const aborted = signal.aborted;
  const notes: string[] = [];
  if (lostLease()) {
    notes.push(`run ${runId} lost its lease to another run: nothing deleted`);
  } else if (aborted) {
    notes.push('run aborted: nothing deleted');
  } else if (mapper.deleteStaleEntities) {
    for (const decision of reconcilable([...outcomes.values()])) {
      if (!decision.reconcile) {
        notes.push(`${decision.blueprint}: stale entities kept (${decision.reason})`);
        continue;
      }
      const result = await store.deleteStale(
        plan.integration,
        runId,
        decision.blueprint,
        mapper.deletionThreshold,
      );
      if (result.refused) notes.push(`${decision.blueprint}: ${result.refused}`);
      // Attribute deletions to the first selected kind producing the blueprint, for the summary table.
      const producer = [...summaries.values()].find((s) =>
        outcomes.get(s.kind)!.blueprints.has(decision.blueprint),
      );
      if (producer) producer.deleted += result.deleted;
    }
  }

  const kinds = plan.kinds.map(
    (kp) => summaries.get(kp.kind) ?? newSummary(kp.kind, 'skipped', selection.skipped.get(kp.kind)),
  );
  const totals = zeroCounts();
  for (const s of kinds) for (const key of COUNT_KEYS) totals[key] += s[key];
  const failed = kinds.some((s) => s.status === 'failed');
  const status = aborted ? 'aborted' : failed ? 'failed' : 'succeeded';
  return { runId, status, kinds, totals, notes };
}

/** The error's one-line form naming the kind it failed (`E_AUTH repo GET …`), without changing the error. */
function lineOfKind(error: InletError, kind: string): string {
  const line = error.toLine();
  return error.kind === undefined ? line.replace(/^(E_[A-Z_]+)/, `$1 ${kind}`) : line;
}

/** Why a kind's read is partial: its own plan, its chains cut short, or the same of any ancestor. */
function partialOf(
  kind: string,
  byKind: Map<string, KindPlan>,
  cutShort: (kind: string) => string | undefined,
): string | undefined {
  const kp = byKind.get(kind)!;
  const own = kp.partial ?? (cutShort(kind) && `was cut short: ${cutShort(kind)}`);
  if (own || !kp.parent) return own;
  const parent = partialOf(kp.parent, byKind, cutShort);
  return parent && `its parent ${kp.parent} ${parent}`;
}
