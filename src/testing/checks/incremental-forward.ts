import { type CheckResult, fail, pass } from './check.js';

const NAME = 'incremental-forward';

type Cursors = Record<string, unknown> | undefined;

/** Numbers compare as numbers, anything else as strings (ISO dates sort), as the engine keeps them. */
const before = (a: unknown, b: unknown) =>
  typeof a === 'number' && typeof b === 'number' ? b < a : String(b) < String(a);

/** Stored cursors never move backwards from one sync to the next (kinds with `incremental`). */
export function incrementalForward(
  kinds: ReadonlyMap<string, { first: Cursors; second: Cursors }>,
): CheckResult {
  if (kinds.size === 0) return pass(NAME, 'no kind has incremental: nothing to check');
  const problems: string[] = [];
  for (const [kind, { first, second }] of kinds) {
    for (const [chain, value] of Object.entries(first ?? {})) {
      const next = second?.[chain];
      if (next === undefined) problems.push(`${kind} ${chain}: cursor ${JSON.stringify(value)} was dropped`);
      else if (before(value, next)) {
        problems.push(
          `${kind} ${chain}: cursor moved back from ${JSON.stringify(value)} to ${JSON.stringify(next)}`,
        );
      }
    }
  }
  if (problems.length > 0) return fail(NAME, problems.join('; '));
  const stored = [...kinds].filter(([, c]) => c.first && Object.keys(c.first).length > 0).length;
  return pass(NAME, `${kinds.size} incremental kinds, ${stored} with stored cursors; none moved back`);
}
