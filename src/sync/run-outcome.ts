/** A run's counts and how it ended, as the engine reports them and `finishRun` stores them. */
import type { KindResult, KindStatus } from '../catalog/index.js';
import { isInletError } from '../errors/errors.js';
import type { Counts, KindSummary, SyncSummary } from './engine.js';
import type { SyncPlan } from './plan.js';

export const zeroCounts = (): Counts => ({
  requests: 0,
  retries: 0,
  records: 0,
  upserted: 0,
  unchanged: 0,
  deleted: 0,
  skipped: 0,
});

export const COUNT_KEYS = Object.keys(zeroCounts()) as Array<keyof Counts>;

export const newSummary = (kind: string, status: KindStatus = 'succeeded', reason?: string): KindSummary => ({
  kind,
  status,
  done: status === 'skipped',
  durationMs: 0,
  ...(reason && { reason }),
  ...zeroCounts(),
});

/** What `finishRun` stores, in every path: a summary, or the error that ended the run early. */
export function outcomeOf(
  plan: SyncPlan,
  summaries: Map<string, KindSummary>,
  skipped: Map<string, string>,
  result: SyncSummary | undefined,
  fatal: unknown,
) {
  const kinds: KindResult[] = plan.kinds.map((kp) => {
    const s = summaries.get(kp.kind) ?? newSummary(kp.kind, 'skipped', skipped.get(kp.kind));
    const { kind, status, reason, errorCode, durationMs } = s;
    const counts = Object.fromEntries(COUNT_KEYS.map((k) => [k, s[k]])) as unknown as Counts;
    return {
      kind,
      status: result || status !== 'succeeded' ? status : 'failed',
      ...counts,
      durationMs,
      ...(reason && { reason }),
      ...(errorCode && { errorCode }),
      ...(s.error && { errorMessage: s.error }),
    };
  });
  const counts = zeroCounts();
  for (const k of kinds) for (const key of COUNT_KEYS) counts[key] += k[key];
  const firstFailure = kinds.find((k) => k.errorCode);
  if (!result) {
    const code = isInletError(fatal) ? fatal.code : 'E_INTERNAL';
    const message = isInletError(fatal)
      ? fatal.toLine()
      : fatal instanceof Error
        ? fatal.message
        : String(fatal);
    return {
      status: 'failed' as const,
      counts,
      kinds,
      errorCode: code,
      errorMessage: message,
      detail: message,
    };
  }
  return {
    status: result.status,
    counts,
    kinds,
    detail: result.notes.join('; ') || undefined,
    ...(firstFailure && { errorCode: firstFailure.errorCode, errorMessage: firstFailure.errorMessage }),
  };
}
