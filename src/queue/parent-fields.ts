/**
 * What of each parent record a child job carries in Redis. A child kind reads its parent through
 * `{parent.x}` placeholders in its resource (request, `for`, paginate…) and through `$parent` in its
 * mapping. When the mapping never names `$parent`, a job keeps only the top-level fields the
 * placeholders name: a batch of 50 GitHub repositories is about 250 KB of JSON, their `full_name`s
 * 2 KB, stored, sent and parsed on every hop (docs/performance.md, scale-out).
 */
import type { ResourceSpec } from '../manifest/schema.js';
import { placeholders } from '../manifest/template.js';

type Json = Record<string, unknown>;

/** Trims one parent record to what a child job needs. */
export type ParentTrim = (record: Json) => Json;

/** Every string inside a value, however deep. */
function* strings(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const v of value) yield* strings(v);
  else if (value !== null && typeof value === 'object')
    for (const v of Object.values(value)) yield* strings(v);
}

/**
 * The top-level parent fields `resource` names, or undefined when it needs the whole record
 * (`{parent}` itself).
 */
export function parentFieldsOf(resource: ResourceSpec): string[] | undefined {
  const fields = new Set<string>();
  for (const text of strings(resource)) {
    for (const expression of placeholders(text)) {
      const [root, first] = expression.split('.');
      if (root !== 'parent') continue;
      if (first === undefined) return undefined;
      fields.add(first);
    }
  }
  return [...fields];
}

/**
 * The function that trims a parent record for a child job, or undefined when the job needs it
 * whole (its mapping reads `$parent`, or a placeholder names `{parent}`).
 * @example parentProjection(resources['pull-request'], false)?.({ full_name: 'a/b', size: 9 }) // { full_name: 'a/b' }
 */
export function parentProjection(
  resource: ResourceSpec,
  mappingReadsParent: boolean,
): ParentTrim | undefined {
  if (mappingReadsParent) return undefined;
  const fields = parentFieldsOf(resource);
  if (fields === undefined) return undefined;
  return (record) => {
    const kept: Json = {};
    for (const field of fields) if (Object.hasOwn(record, field)) kept[field] = record[field];
    return kept;
  };
}
