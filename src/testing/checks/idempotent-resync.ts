import { type CheckResult, fail, joined, pass, problemsOf, type ReplayRun } from './check.js';

const NAME = 'idempotent-resync';

/** A second sync of the same data upserts nothing and deletes nothing. */
export function idempotentResync(second: ReplayRun): CheckResult {
  const problems = problemsOf(second);
  const totals = second.summary?.totals;
  if (!totals) return fail(NAME, `the second sync failed: ${joined(problems)}`);
  const changed = second.summary!.kinds.filter((k) => k.upserted > 0 || k.deleted > 0);
  if (changed.length === 0 && problems.length === 0) {
    return pass(NAME, `second sync: ${totals.unchanged} unchanged, 0 upserted, 0 deleted`);
  }
  const counts = changed.map((k) => `${k.kind} upserted ${k.upserted}, deleted ${k.deleted}`);
  return fail(
    NAME,
    joined([
      ...problems,
      ...counts,
      ...(changed.length > 0
        ? ['a mapped value changes between two syncs of the same data (a timestamp, a random order?)']
        : []),
    ]),
  );
}
