import { diffCatalog, type ExportedEntity } from '../expected.js';
import { type CheckResult, fail, joined, pass, problemsOf, type ReplayRun } from './check.js';

const NAME = 'expected-catalog';

/**
 * The replay's export equals `expected.ndjson`; else what went wrong in the sync, `hints` (why a kind
 * came out empty), then a diff per entity and field.
 */
export function expectedCatalog(
  run: ReplayRun,
  expected: readonly ExportedEntity[] | undefined,
  hints: readonly string[] = [],
): CheckResult {
  if (expected === undefined)
    return fail(NAME, 'no tests/expected.ndjson (run `inlet record`, or `inlet test --update`)');
  const diff = diffCatalog(expected, run.entities);
  const problems = problemsOf(run);
  if (diff.length === 0 && problems.length === 0)
    return pass(NAME, `${run.entities.length} entities as expected`);
  const parts = [
    ...problems,
    ...hints,
    ...(diff.length > 0 ? [`${diff.length} differences: ${joined(diff, 8)}`] : []),
  ];
  return fail(NAME, joined(parts, 12));
}
