/**
 * Builds the single jq program that maps a whole page for one resources entry. jq-wasm pays ~2 ms
 * per call and reads/writes byte by byte, so one call per page with compact tuple output (no key
 * names) is what makes jq mapping affordable.
 *
 * Per record (per element of `itemsToParse`, exposed as `.item` with the record's own keys winning,
 * as in Ocean's `{"item": item, **data}`) the program emits:
 *   0      itemsToParse did not give an array (Ocean skips the record)
 *   false  the selector did not give `true`
 *   [[outputs of field 0], [outputs of field 1], …]  for the given fields, in order
 * Each field runs as `[try (p) catch null]` and its first output is used (null when there is none):
 * like Ocean, a field that fails (`.a.b` on a string) is null instead of failing the page. A
 * generator that never ends (`repeat(1)`) is not cut short; `first(...)` would be 30-50% slower.
 */
import type { EntryPrograms } from './compile-mapping.js';

const field = (program: string) => `[try (${program}\n) catch null]`;

/** An entry's field programs in tuple order: identifier, title, blueprint, properties…, relations…. */
export function fieldPrograms(p: EntryPrograms): string[] {
  return [
    p.identifier,
    p.title ?? 'null',
    p.blueprint,
    ...p.properties.map(([, v]) => v),
    ...p.relations.map(([, v]) => v),
  ];
}

/**
 * The program body (before wrapProgram) over the page array; `fields` may be a subset of the
 * entry's fields (the others evaluated in JS), and a `true` selector is left out.
 */
export function buildPageProgram(p: {
  selector: string;
  itemsToParse: string | null;
  fields: readonly string[];
}): string {
  const tuple = `[${p.fields.map(field).join(', ')}]`;
  const map =
    p.selector.trim() === 'true'
      ? tuple
      : `if ([try (${p.selector}\n) catch false] | .[0]) == true then ${tuple} else false end`;
  if (p.itemsToParse === null) return `[.[] | ${map}]`;
  return (
    `[.[] | . as $__record | ([try (${p.itemsToParse}\n) catch null] | .[0]) as $__items` +
    ` | if ($__items | type) != "array" then 0 else $__items[]` +
    ` | (if ($__record | type) == "object" then {item: .} + $__record else {item: .} end) | ${map} end]`
  );
}
