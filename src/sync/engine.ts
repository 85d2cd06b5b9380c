import { AsyncLocalStorage } from 'node:async_hooks';
import { setMaxListeners } from 'node:events';
import type { CatalogStore, Entity, RunCounts } from '../catalog/index.js';
import { isInletError } from '../errors/errors.js';
import { fanOut, mergeBounded, RunMemo } from '../http/async/index.js';
import type { Client } from '../http/client.js';
import type { HttpEvent } from '../http/types.js';
import type { ChainStart, KindPlan, SyncPlan } from './plan.js';
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
  deleteStaleEntities: boolean;
  deletionThreshold: number;
  /** Ends the mapper's jq thread. */
  close?(): Promise<void>;
}

/** The slice of the catalog the engine uses (the layer below, through a small interface). */
export type SyncStore = Pick<
  CatalogStore,
  'startRun' | 'upsertBatch' | 'deleteStale' | 'finishRun' | 'setState'
>;

/** Where a kind's incremental cursors are stored: one value per chain key. */
export const incrementalStateKey = (kind: string) => `incremental:${kind}`;

export type Counts = RunCounts;

export interface KindSummary extends Counts {
  kind: string;
  status: 'succeeded' | 'failed' | 'aborted' | 'skipped';
  /** False while the kind is still being read. */
  done: boolean;
  durationMs: number;
  error?: string;
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
  signal?: AbortSignal;
  /** Called after each page is stored. */
  onProgress?: (kind: KindSummary) => void;
  onWarning?: (message: string) => void;
}

interface PageOfKind {
  records: Json[];
  vars: Json;
  parent?: Json;
  chain: string;
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
function trackCursor(cursors: Record<string, unknown>, page: PageOfKind, cursor: (r: Json) => unknown): void {
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

const zero = (): Counts => ({
  requests: 0,
  retries: 0,
  records: 0,
  upserted: 0,
  unchanged: 0,
  deleted: 0,
  skipped: 0,
});

/**
 * One resync (cli-and-catalog contract): every selected kind is read concurrently, pages are
 * mapped and stored as they arrive (pull-based, so memory stays flat), a parent kind is read
 * once however many kinds use it, and stale entities are deleted only for blueprints whose
 * producing kinds all completed, within the deletion threshold, and never after an abort.
 */
export async function runSync(options: SyncOptions): Promise<SyncSummary> {
  const { plan, client, mapper, store, signal } = options;
  const byKind = new Map(plan.kinds.map((k) => [k.kind, k]));
  const selected = options.kinds?.length
    ? plan.kinds.filter((k) => options.kinds!.includes(k.kind))
    : plan.kinds;
  // Every chain's requests listen on the one abort signal: dozens of listeners are expected here.
  if (signal) setMaxListeners(0, signal);
  const runId = await store.startRun(
    plan.integration,
    selected.map((k) => k.kind),
  );
  const memo = new RunMemo();
  const concurrency = options.chainConcurrency ?? 8;

  const chainPages = (kp: KindPlan, start: ChainStart, parent?: Json): AsyncIterable<PageOfKind> =>
    (async function* () {
      let taken = 0;
      for await (const page of client.pages(start.path, {
        method: start.method,
        query: start.query,
        headers: start.headers,
        body: start.body,
        paginate: kp.paginate,
        records: kp.records,
        kind: kp.kind,
        signal,
      })) {
        const cap = kp.maxItemsPerChain;
        if (cap !== undefined && taken + page.records.length > cap) {
          // Warn only when records beyond the cap exist (this page, or the next one read to find out).
          const records = page.records.slice(0, Math.max(0, cap - taken));
          if (records.length > 0) yield { records, vars: start.vars, parent, chain: start.key };
          const where = `${start.path}${start.query ? `?${new URLSearchParams(start.query as Record<string, string>)}` : ''}`;
          options.onWarning?.(
            `${kp.kind}: maxItemsPerChain (${cap}) reached for ${where}; the rest is not read`,
          );
          return;
        }
        taken += page.records.length;
        yield { records: page.records, vars: start.vars, parent, chain: start.key };
      }
    })();

  // Only parents are memoised: the memo keeps every page, which a leaf kind of a million records must not.
  const parentKinds = new Set(plan.kinds.map((k) => k.parent).filter((p): p is string => p !== undefined));
  /** Every page of a kind; a parent's pages are read once and shared by its own pipeline and its children. */
  const pagesOf = (kind: string): AsyncIterable<PageOfKind> =>
    parentKinds.has(kind) ? memo.shared(kind, () => readPages(kind)) : readPages(kind);
  const readPages = (kind: string): AsyncIterable<PageOfKind> => {
    const kp = byKind.get(kind)!;
    if (!kp.parent)
      return mergeBounded(
        kp.chains().map((c) => chainPages(kp, c)),
        { concurrency },
      );
    const parents = (async function* () {
      for await (const page of pagesOf(kp.parent!)) yield* page.records;
    })();
    return fanOut(
      parents,
      (parent) =>
        mergeBounded(
          kp.chains(parent).map((c) => chainPages(kp, c, parent)),
          { concurrency },
        ),
      {
        concurrency,
      },
    );
  };

  const summaries = new Map<string, KindSummary>();
  const outcomes: KindOutcome[] = plan.kinds.map((kp) => {
    const { literals, dynamic } = mapper.blueprintsOf(kp.kind);
    return {
      kind: kp.kind,
      blueprints: new Set(literals),
      dynamicBlueprint: dynamic,
      complete: false,
      ran: false,
      partial: kp.partial,
    };
  });
  const outcomeOf = (kind: string) => outcomes.find((o) => o.kind === kind)!;

  const readKind = async (kp: KindPlan, summary: KindSummary) => {
    const outcome = outcomeOf(kp.kind);
    outcome.ran = true;
    const started = Date.now();
    const cursors: Record<string, unknown> = {};
    // Show every kind as soon as it starts, not only after its first page.
    options.onProgress?.(summary);
    try {
      for await (const page of pagesOf(kp.kind)) {
        if (kp.incremental) trackCursor(cursors, page, kp.incremental.cursor);
        let records = page.records;
        if (kp.maxItems !== undefined && summary.records + records.length > kp.maxItems) {
          records = records.slice(0, kp.maxItems - summary.records);
          options.onWarning?.(`${kp.kind}: maxItems (${kp.maxItems}) reached; the rest is not read`);
        }
        summary.records += records.length;
        const { entities, skipped } = await mapper.mapPage(kp.kind, records, {
          parent: page.parent,
          vars: page.vars,
        });
        summary.skipped += skipped;
        for (const e of entities) outcome.blueprints.add(e.blueprint);
        const stored = await store.upsertBatch(plan.integration, runId, entities);
        summary.upserted += stored.upserted;
        summary.unchanged += stored.unchanged;
        summary.durationMs = Date.now() - started;
        options.onProgress?.(summary);
        if (kp.maxItems !== undefined && summary.records >= kp.maxItems) break;
      }
      outcome.complete = !signal?.aborted;
      // §5: the stored cursor advances only when the whole kind completed.
      if (outcome.complete && kp.incremental && Object.keys(cursors).length > 0) {
        await store.setState(plan.integration, incrementalStateKey(kp.kind), cursors);
      }
    } catch (error) {
      summary.status = signal?.aborted ? 'aborted' : 'failed';
      summary.error = isInletError(error)
        ? error.toLine()
        : error instanceof Error
          ? error.message
          : String(error);
    }
    summary.durationMs = Date.now() - started;
    summary.done = true;
    options.onProgress?.(summary);
  };

  await Promise.all(
    selected.map((kp) => {
      const summary: KindSummary = {
        kind: kp.kind,
        status: 'succeeded',
        done: false,
        durationMs: 0,
        ...zero(),
      };
      summaries.set(kp.kind, summary);
      return kindContext.run(summary, () => readKind(kp, summary));
    }),
  );

  const aborted = signal?.aborted === true;
  const failed = [...summaries.values()].some((s) => s.status === 'failed');
  const notes: string[] = [];
  if (aborted) {
    notes.push('run aborted: nothing deleted');
  } else if (mapper.deleteStaleEntities) {
    for (const decision of reconcilable(outcomes)) {
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
        outcomeOf(s.kind).blueprints.has(decision.blueprint),
      );
      if (producer) producer.deleted += result.deleted;
    }
  }

  const kinds = plan.kinds.map(
    (kp) =>
      summaries.get(kp.kind) ?? {
        kind: kp.kind,
        status: 'skipped' as const,
        done: true,
        durationMs: 0,
        ...zero(),
      },
  );
  const totals = zero();
  for (const s of kinds) for (const key of Object.keys(totals) as Array<keyof Counts>) totals[key] += s[key];
  const status = aborted ? 'aborted' : failed ? 'failed' : 'succeeded';
  await store.finishRun(runId, status, totals, notes.join('; ') || undefined);
  return { runId, status, kinds, totals, notes };
}
