import { diffCatalog, type ExportedEntity } from '../expected.js';
import { type CheckResult, fail, joined, pass, problemsOf, type ReplayRun } from './check.js';

const NAME = 'faults-tolerated';

/** Under injected faults (429s in the API's shape, 5xx, resets) the catalog comes out the same. */
export function faultsTolerated(
  run: ReplayRun,
  clean: readonly ExportedEntity[],
  spec: string,
  faulted: number,
): CheckResult {
  const diff = diffCatalog(clean, run.entities);
  const problems = problemsOf(run);
  if (diff.length === 0 && problems.length === 0) {
    return pass(NAME, `same ${clean.length} entities under ${spec} (${faulted} retries)`);
  }
  return fail(NAME, `under ${spec}: ${joined([...problems, ...diff])}`);
}
