/**
 * The end of a run, local or queued: decide which kinds were partial, then delete stale entities
 * only for blueprints the rules allow (docs: README "When is an entity deleted"), and total up.
 */
import type { KindSummary, Mapper, SyncStore, SyncSummary } from './engine.js';
import type { KindPlan, SyncPlan } from './plan.js';
import { COUNT_KEYS, newSummary, zeroCounts } from './run-outcome.js';
import type { Selection } from './select-kinds.js';
import { type KindOutcome, reconcilable } from './stale.js';

/** One outcome per kind of the plan, with the blueprints its mapping names as literals. */
export function newOutcomes(plan: SyncPlan, mapper: Mapper): Map<string, KindOutcome> {
  return new Map(
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
}

/** Partial is decided once every chain ended: a cut anywhere up the parent line counts. */
export function markPartial(
  plan: SyncPlan,
  selection: Selection,
  summaries: Map<string, KindSummary>,
  outcomes: Map<string, KindOutcome>,
  cutShort: (kind: string) => string | undefined,
  onProgress?: (kind: KindSummary) => void,
): void {
  const byKind = new Map(plan.kinds.map((k) => [k.kind, k]));
  for (const kp of selection.selected) {
    const summary = summaries.get(kp.kind)!;
    const partial = summary.reason ?? partialOf(kp.kind, byKind, cutShort);
    outcomes.get(kp.kind)!.partial = partial;
    if (partial && summary.status === 'succeeded') {
      summary.status = 'partial';
      summary.reason = partial;
    }
    summary.done = true;
    onProgress?.(summary);
  }
}

export interface ReconcileInput {
  plan: SyncPlan;
  mapper: Mapper;
  store: Pick<SyncStore, 'deleteStale'>;
  runId: number;
  selection: Selection;
  summaries: Map<string, KindSummary>;
  outcomes: Map<string, KindOutcome>;
  aborted: boolean;
  lostLease: boolean;
}

/** Stale deletion under the rules, then the run's summary (nothing deleted after an abort or a lost lease). */
export async function reconcileRun(input: ReconcileInput): Promise<SyncSummary> {
  const { plan, mapper, store, runId, selection, summaries, outcomes, aborted } = input;
  const notes: string[] = [];
  if (input.lostLease) {
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
