/**
 * Parents from path parameters: in `/repos/{owner}/{repo}/pulls` the parameters follow the
 * collection segment `repos`, so a kind listed at `…/repos` (or named `repo…`) may supply them, each
 * from a field of its records: `owner` is the record's `owner` object (identified by its `login`),
 * `repo` names the repository itself (its `name`).
 */
import type { ListOperation } from './openapi-operations.js';
import { singular, staticSegments } from './openapi-operations.js';
import type { Json, OpenapiSpec } from './openapi-read.js';
import { flatten, isScalar, propertiesOf, typeOf } from './openapi-schema.js';

export interface ParentMatch {
  parent: string;
  /** Path parameter → field path in the parent record (`owner.login`, `name`). */
  fields: Map<string, string>;
}

/** Fields that identify an object, best first (an integer parameter prefers `id`). */
const IDENTIFYING = ['login', 'slug', 'key', 'name', 'id', 'uuid', 'number'];
/** Parameter suffixes naming which field of the addressed record they carry. */
const SUFFIXES: Array<[RegExp, string]> = [
  [/(?:_|-)?id$/i, 'id'],
  [/(?:_|-)?number$/i, 'number'],
  [/(?:_|-)?key$/i, 'key'],
  [/(?:_|-)?slug$/i, 'slug'],
  [/(?:_|-)?name$/i, 'name'],
  [/(?:_|-)?login$/i, 'login'],
];

/** The static segment before each path parameter (`/repos/{owner}/{repo}` → owner, repo: `repos`). */
function collections(path: string): Map<string, string> {
  const out = new Map<string, string>();
  let last = '';
  for (const segment of path.split('/')) {
    const names = [...segment.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    if (names.length === 0 && segment) last = segment.toLowerCase();
    for (const name of names) out.set(name, last);
  }
  return out;
}

const words = (kind: string) => kind.split('-');

/** Whether kind `q` is what the collection segment addresses (`repos` → repository, `pulls` → pull-request). */
function addresses(q: ListOperation, collection: string): boolean {
  const noun = singular(collection.replace(/[^a-z0-9]/g, ''));
  if (noun.length < 2) return false;
  const own = singular((staticSegments(q.path).pop() ?? '').toLowerCase());
  const head = words(q.kind).at(-1) ?? '';
  return (
    own === noun || head.startsWith(noun) || (noun.startsWith(head) && head.length >= 3) || q.kind === noun
  );
}

function identifyingField(spec: OpenapiSpec, schema: unknown, prefer?: string): string | undefined {
  const props = propertiesOf(spec, schema);
  const order = prefer ? [prefer, ...IDENTIFYING] : IDENTIFYING;
  return order.find((name) => name in props && isScalar(spec, props[name]));
}

/** The field of a `q` record that supplies parameter `name`, if any. */
function fieldFor(
  spec: OpenapiSpec,
  q: ListOperation,
  name: string,
  param: Json | undefined,
  noun: string,
): string | undefined {
  const props = propertiesOf(spec, q.item);
  const integer = typeOf(spec, param) === 'integer';
  const own = props[name];
  if (own !== undefined && isScalar(spec, own)) return name;
  if (own !== undefined && typeOf(spec, own) === 'object') {
    const sub = identifyingField(spec, flatten(spec, own), integer ? 'id' : undefined);
    return sub && `${name}.${sub}`;
  }
  // The parameter names the record itself: `{repo}`, `{projectId}`, `{pull_number}`, `{id}`.
  const suffix = SUFFIXES.find(([pattern]) => pattern.test(name));
  const base = (suffix ? name.replace(suffix[0], '') : name).toLowerCase().replace(/[^a-z0-9]/g, '');
  const head = words(q.kind).at(-1) ?? '';
  const selfNamed =
    base === '' || base === noun || q.kind.replaceAll('-', '').startsWith(base) || head.startsWith(base);
  if (!selfNamed) return undefined;
  const wanted = suffix?.[1] ?? (integer ? 'id' : undefined);
  if (wanted && wanted in props && isScalar(spec, props[wanted])) return wanted;
  return identifyingField(spec, q.item, integer ? 'id' : 'name');
}

function ancestors(kind: string, parents: Map<string, ParentMatch>): Set<string> {
  const seen = new Set<string>();
  for (let at = parents.get(kind); at && !seen.has(at.parent); at = parents.get(at.parent))
    seen.add(at.parent);
  return seen;
}

/**
 * For each kind with path parameters, the other kind that supplies most of them, and from which
 * fields. Kinds with fewer parameters are matched first, so a chain never loops.
 */
export function matchParents(spec: OpenapiSpec, ops: ListOperation[]): Map<string, ParentMatch> {
  const parents = new Map<string, ParentMatch>();
  const pathParams = (op: ListOperation) => op.parameters.filter((p) => p.in === 'path');
  const ordered = [...ops].sort((a, b) => pathParams(a).length - pathParams(b).length);
  for (const op of ordered) {
    const params = pathParams(op);
    if (params.length === 0) continue;
    const segments = collections(op.path);
    let best: ParentMatch | undefined;
    for (const q of ops) {
      if (q === op || ancestors(q.kind, parents).has(op.kind)) continue;
      const fields = new Map<string, string>();
      for (const p of params) {
        const collection = segments.get(p.name) ?? '';
        if (!addresses(q, collection)) continue;
        const field = fieldFor(spec, q, p.name, p.schema, singular(collection));
        if (field) fields.set(p.name, field);
      }
      if (fields.size > (best?.fields.size ?? 0)) best = { parent: q.kind, fields };
    }
    if (best) parents.set(op.kind, best);
  }
  return parents;
}
