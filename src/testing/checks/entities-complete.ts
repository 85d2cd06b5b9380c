import type { ExportedEntity } from '../expected.js';
import { type CheckResult, fail, pass, type ReplayRun } from './check.js';

const NAME = 'entities-complete';

/**
 * Every record a mapping entry turns into an entity has an identifier and a blueprint: the engine
 * counts records whose identifier or blueprint evaluates to null or "" as `skipped`, silently.
 * `identifiers` names each kind's identifier program, so the reason points at it.
 */
export function entitiesComplete(run: ReplayRun, identifiers: ReadonlyMap<string, string>): CheckResult {
  if (!run.summary) return fail(NAME, `the sync failed before mapping: ${run.error ?? 'no summary'}`);
  const problems: string[] = [];
  for (const k of run.summary.kinds) {
    if (k.skipped > 0) {
      const program = identifiers.get(k.kind);
      problems.push(
        `kind ${k.kind}: ${k.skipped} of ${k.records} records skipped: identifier or blueprint evaluated to null or ""${program ? ` (identifier: ${program})` : ''}`,
      );
    }
  }
  const bad = run.entities.filter((e: ExportedEntity) => !e.identifier || !e.blueprint);
  if (bad.length > 0) problems.push(`${bad.length} stored entities lack an identifier or blueprint`);
  if (problems.length > 0) return fail(NAME, problems.join('; '));
  const records = run.summary.totals.records;
  return pass(NAME, `${run.entities.length} entities from ${records} records, none skipped`);
}
