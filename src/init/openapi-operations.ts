/**
 * The list operations of an OpenAPI description: GET operations whose 2xx JSON response is an
 * array of objects, or an object holding one (then read with `records:`). Each becomes a kind.
 */
import { isObject, type Json, type OpenapiSpec } from './openapi-read.js';
import { flatten, propertiesOf, typeOf } from './openapi-schema.js';

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema?: Json;
  description: string;
}

export interface ListOperation {
  /** The kind this operation is read as (kebab-case, unique). */
  kind: string;
  path: string;
  summary?: string;
  parameters: Parameter[];
  /** The record schema (flattened). */
  item: Json;
  /** The response schema (flattened): the array itself, or the envelope holding it. */
  response: Json;
  /** jq to the records inside an envelope (`.items`); undefined when the page is the array. */
  records?: string;
  /** Lower-cased response header names documented for the 2xx response (`link`). */
  headers: Set<string>;
  /** Set when the envelope holds several arrays of objects and the first was taken. */
  recordsTodo?: string;
}

/** Words an item schema's name carries that say how much of it a response holds, not what it is. */
const QUALIFIERS =
  /^(?:minimal|simple|full|nullable|basic|public|private|base)-|-(?:simple|full|minimal|summary|item|items|response|list|dto|model|schema)$/;
/** Envelope properties that usually hold the records, best first. */
const RECORD_KEYS = ['data', 'items', 'results', 'values', 'records', 'entries', 'elements', 'nodes'];

/** `PullRequest`, `pull_request`, `pull request` → `pull-request`. */
export function kebab(text: string): string {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase();
}

/** A crude English singular (`repos` → `repo`, `entries` → `entry`, `addresses` → `address`). */
export function singular(word: string): string {
  if (/ies$/.test(word)) return `${word.slice(0, -3)}y`;
  if (/(?:ss|x|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (/[^s]s$/.test(word)) return word.slice(0, -1);
  return word;
}

function kindFromSchemaName(name: string): string {
  let kind = kebab(name);
  for (let previous = ''; previous !== kind; ) {
    previous = kind;
    kind = kind.replace(QUALIFIERS, '');
  }
  return kind;
}

/** The static segments of a path (`/orgs/{org}/repos` → `orgs`, `repos`). */
export const staticSegments = (path: string): string[] =>
  path.split('/').filter((segment) => segment && !segment.includes('{'));

function parameters(spec: OpenapiSpec, shared: unknown, own: unknown): Parameter[] {
  const byKey = new Map<string, Parameter>();
  for (const list of [shared, own]) {
    if (!Array.isArray(list)) continue;
    for (const raw of list) {
      const p = spec.deref(raw);
      if (!p || typeof p.name !== 'string' || typeof p.in !== 'string') continue;
      byKey.set(`${p.in}:${p.name}`, {
        name: p.name,
        in: p.in as Parameter['in'],
        required: p.required === true || p.in === 'path',
        schema: spec.deref(p.schema),
        description: typeof p.description === 'string' ? p.description : '',
      });
    }
  }
  return [...byKey.values()];
}

function successResponse(spec: OpenapiSpec, responses: unknown): Json | undefined {
  if (!isObject(responses)) return undefined;
  const code = ['200', '2XX', '2xx', '201', '203', '206'].find((c) => c in responses);
  return code === undefined ? undefined : spec.deref(responses[code]);
}

function jsonSchemaOf(response: Json): unknown {
  const content = isObject(response.content) ? response.content : {};
  const type =
    Object.keys(content).find((t) => /^application\/(?:[\w.+-]*\+)?json\b/.test(t)) ??
    Object.keys(content)[0];
  const media = type === undefined ? undefined : content[type];
  return isObject(media) ? media.schema : undefined;
}

interface Records {
  item: unknown;
  records?: string;
  todo?: string;
}

/** An envelope is small (a list and its paging fields) or names its list `data`, `items` …; a pull request with labels is not one. */
const MAX_ENVELOPE_PROPERTIES = 8;

function findRecords(spec: OpenapiSpec, schema: unknown, path: string): Records | undefined {
  const type = typeOf(spec, schema);
  if (type === 'array') {
    const item = flatten(spec, schema)?.items;
    return typeOf(spec, item) === 'object' ? { item } : undefined;
  }
  // `/pulls/{pull_number}` addresses one record, whatever lists that record holds.
  if (type !== 'object' || /\}$/.test(path)) return undefined;
  const props = propertiesOf(spec, schema);
  const small = Object.keys(props).length <= MAX_ENVELOPE_PROPERTIES;
  const arrays = Object.entries(props).filter(
    ([key, value]) =>
      (small || rank(key) < RECORD_KEYS.length) &&
      typeOf(spec, value) === 'array' &&
      typeOf(spec, flatten(spec, value)?.items) === 'object',
  );
  if (arrays.length === 0) return undefined;
  arrays.sort(([a], [b]) => rank(a) - rank(b));
  const [key, value] = arrays[0]!;
  const others = arrays.slice(1).map(([k]) => k);
  return {
    item: flatten(spec, value)?.items,
    records: /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `.${key}` : `.[${JSON.stringify(key)}]`,
    todo: others.length
      ? `the response holds several lists (${[key, ...others].join(', ')}); records reads ${key}`
      : undefined,
  };
}

const rank = (key: string) => {
  const index = RECORD_KEYS.indexOf(key.toLowerCase());
  return index === -1 ? RECORD_KEYS.length : index;
};

/** Every list operation, in the document's path order, each with a unique kind name. */
export function listOperations(spec: OpenapiSpec): ListOperation[] {
  const out: ListOperation[] = [];
  const taken = new Set<string>();
  for (const [path, rawItem] of Object.entries(spec.doc.paths as Json)) {
    const pathItem = spec.deref(rawItem);
    const get = pathItem && spec.deref(pathItem.get);
    if (!pathItem || !get) continue;
    const response = successResponse(spec, get.responses);
    const schema = response && jsonSchemaOf(response);
    const found = schema === undefined ? undefined : findRecords(spec, schema, path);
    const item = found && flatten(spec, found.item);
    if (!response || !found || !item) continue;
    const name = spec.refName(found.item);
    const base =
      (name && kindFromSchemaName(name)) ||
      (typeof item.title === 'string' && kindFromSchemaName(item.title)) ||
      singular(kebab(staticSegments(path).pop() ?? 'record')) ||
      'record';
    let kind = /^[a-z]/.test(base) ? base : `r-${base}`;
    for (let n = 2; taken.has(kind); n++) kind = `${base}-${n}`;
    taken.add(kind);
    out.push({
      kind,
      path,
      summary: typeof get.summary === 'string' ? get.summary : undefined,
      parameters: parameters(spec, pathItem.parameters, get.parameters),
      item,
      response: flatten(spec, schema) ?? {},
      records: found.records,
      recordsTodo: found.todo,
      headers: new Set(
        Object.keys(isObject(response.headers) ? response.headers : {}).map((h) => h.toLowerCase()),
      ),
    });
  }
  return out;
}
