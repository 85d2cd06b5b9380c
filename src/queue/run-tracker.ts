/**
 * The coordinator's account of a queued run: each finished job's counts, cuts and cursors added to
 * its kind, a job failed past its attempts failing its kind and every kind read below it, and the
 * run done once every job id in the run's set has finished (a job adds its children's ids to the
 * set before it finishes, so "all finished" cannot be seen while a child is still to come).
 */
import type { KindSummary } from '../sync/engine.js';
import type { KindPlan, SyncPlan } from '../sync/plan.js';
import { COUNT_KEYS } from '../sync/run-outcome.js';
import type { KindOutcome } from '../sync/stale.js';
import type { JobResult } from './run-spec.js';

type Json = Record<string, unknown>;

export interface RunTracker {
  completed(jobId: string, result: JobResult): void;
  failed(jobId: string, reason: string): void;
  /** Jobs seen finished (completed or failed past their attempts). */
  finished: Set<string>;
  /** A chain of the kind that the API did not end. */
  cutShort(kind: string): string | undefined;
  /** The kind's incremental cursors per chain, merged from every job. */
  cursors(kind: string): Json;
  failedKinds: Set<string>;
}

/** The kind of a job, from its id (`<run>.<kind index>.<rest>`). */
export const kindIndexOf = (jobId: string) => Number(jobId.split('.')[1]);

export function createTracker(
  plan: SyncPlan,
  summaries: Map<string, KindSummary>,
  outcomes: Map<string, KindOutcome>,
  onProgress?: (kind: KindSummary) => void,
): RunTracker {
  const started = Date.now();
  const byKind = new Map(plan.kinds.map((k) => [k.kind, k]));
  const cut = new Map<string, string>();
  const cursors = new Map<string, Json>();
  const finished = new Set<string>();
  const failedKinds = new Set<string>();
  const below = (kind: string): KindPlan[] =>
    plan.kinds.filter((k) => {
      for (let p = k.parent; p; p = byKind.get(p)?.parent) if (p === kind) return true;
      return false;
    });
  // A kind read only for its children's sake counts its requests against the first stored child (as locally).
  const countedBy = (kind: string) =>
    summaries.get(kind) ??
    below(kind)
      .map((k) => summaries.get(k.kind))
      .find((s) => s !== undefined);
  const kindOf = (jobId: string) => plan.kinds[kindIndexOf(jobId)]!;

  return {
    finished,
    failedKinds,
    cutShort: (kind) => cut.get(kind),
    cursors: (kind) => cursors.get(kind) ?? {},
    completed(jobId, result) {
      if (finished.has(jobId)) return;
      finished.add(jobId);
      const kp = kindOf(jobId);
      const summary = countedBy(kp.kind);
      if (!summary) return;
      for (const key of COUNT_KEYS) {
        // Records of a parent read only for its children are not the child's records.
        if (summary.kind !== kp.kind && key !== 'requests' && key !== 'retries') continue;
        summary[key] += result[key] ?? 0;
      }
      if (summary.kind === kp.kind)
        for (const b of result.blueprints) outcomes.get(kp.kind)?.blueprints.add(b);
      if (result.cut && !cut.has(kp.kind)) cut.set(kp.kind, result.cut);
      if (result.capped && summary.kind === kp.kind) summary.reason ??= result.capped;
      if (result.cursors) cursors.set(kp.kind, { ...cursors.get(kp.kind), ...result.cursors });
      summary.durationMs = Date.now() - started;
      onProgress?.(summary);
    },
    failed(jobId, reason) {
      if (finished.has(jobId)) return;
      finished.add(jobId);
      const kp = kindOf(jobId);
      const code = /^(E_[A-Z_]+)/.exec(reason)?.[1] ?? 'E_INTERNAL';
      for (const k of [kp, ...below(kp.kind)]) {
        failedKinds.add(k.kind);
        const summary = summaries.get(k.kind);
        if (!summary || summary.status === 'failed') continue;
        summary.status = 'failed';
        summary.error = reason;
        summary.errorCode = code;
        summary.durationMs = Date.now() - started;
        onProgress?.(summary);
      }
    },
  };
}
