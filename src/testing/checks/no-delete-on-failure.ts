import type { ExportedEntity } from '../expected.js';
import { type CheckResult, fail, pass } from './check.js';

const NAME = 'no-delete-on-failure';

/** One failed kind's trial: the catalog before and after a sync in which its requests failed. */
export interface FailureTrial {
  kind: string;
  before: readonly ExportedEntity[];
  after: readonly ExportedEntity[];
  /** Whether the run reported the kind as failed (it must not pass for complete). */
  reportedFailed: boolean;
}

/** With one kind's requests failing, no entity is deleted (docs: README "When is an entity deleted"). */
export function noDeleteOnFailure(trials: readonly FailureTrial[]): CheckResult {
  if (trials.length === 0) return pass(NAME, 'no kind with recorded requests to fail');
  const problems: string[] = [];
  for (const t of trials) {
    const kept = new Set(t.after.map((e) => `${e.blueprint} ${e.identifier}`));
    const lost = t.before.filter((e) => !kept.has(`${e.blueprint} ${e.identifier}`));
    if (lost.length > 0) {
      const blueprints = [...new Set(lost.map((e) => e.blueprint))].join(', ');
      problems.push(
        `with ${t.kind}'s requests failing, ${lost.length} entities were deleted (${blueprints})`,
      );
    }
    if (!t.reportedFailed)
      problems.push(`with ${t.kind}'s requests failing, the run did not report ${t.kind} as failed`);
  }
  if (problems.length > 0) return fail(NAME, problems.join('; '));
  return pass(NAME, `each of ${trials.map((t) => t.kind).join(', ')} failing in turn: nothing deleted`);
}
