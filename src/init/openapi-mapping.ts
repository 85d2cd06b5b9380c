/**
 * A guessed mapping for a kind from its record schema (manifest contract §6): identifier, title,
 * a few scalar properties, and a relation to the parent. Guesses that may be wrong are TODOs.
 */
import type { ListOperation } from './openapi-operations.js';
import type { ParentMatch } from './openapi-parents.js';
import type { Json, OpenapiSpec } from './openapi-read.js';
import { isScalar, propertiesOf, typeOf } from './openapi-schema.js';

export interface GuessedMapping {
  entry: Json;
  /** The identifier's field (`full_name`, `id`) when it is one plain field, for children's relations. */
  identifierField?: string;
  todos: string[];
}

/** Globally unique or human keys first; `number`/`name` are often unique only within a parent. */
const IDENTIFIERS = ['full_name', 'key', 'slug', 'id', 'uuid', 'guid', 'number', 'name', 'login'];
const WITHIN_PARENT = new Set(['number', 'name', 'login', 'slug']);
const TITLES = [
  'title',
  'name',
  'full_name',
  'display_name',
  'displayName',
  'summary',
  'login',
  'label',
  'subject',
  'key',
];
const PROPERTIES = [
  'html_url',
  'web_url',
  'description',
  'state',
  'status',
  'type',
  'visibility',
  'language',
  'draft',
  'archived',
  'private',
  'email',
  'created_at',
  'createdAt',
  'updated_at',
  'updatedAt',
];
const MAX_PROPERTIES = 6;

/** `created_at` → `createdAt`, `html_url` → `url`. */
const propertyName = (field: string) =>
  /^(?:html|web)_url$/.test(field) ? 'url' : field.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** `pull-request` → `PullRequest`. */
const pascal = (kind: string) =>
  kind
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

const jqField = (field: string) =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(field) ? `.${field}` : `.[${JSON.stringify(field)}]`;

/**
 * @example guessMapping(spec, op, 'gh', parents.get(op.kind), 'full_name').entry.port.entity.mappings.identifier // '.id'
 */
export function guessMapping(
  spec: OpenapiSpec,
  op: ListOperation,
  blueprintPrefix: string,
  parent: ParentMatch | undefined,
  parentIdentifier: string | undefined,
): GuessedMapping {
  const props = propertiesOf(spec, op.item);
  const scalar = (name: string) => name in props && isScalar(spec, props[name]);
  const todos: string[] = [];
  let identifierField = IDENTIFIERS.find(scalar);
  let identifier: string;
  if (!identifierField) {
    identifierField = 'id';
    identifier = '.id';
    todos.push(`no id-like field in the ${op.kind} records; .id is a guess`);
  } else if (parent && parentIdentifier && WITHIN_PARENT.has(identifierField)) {
    // A pull request's number repeats across repositories: prefix the parent's identifier.
    identifier = `($parent${jqField(parentIdentifier)} | tostring) + "/" + (${jqField(identifierField)} | tostring)`;
  } else {
    identifier = jqField(identifierField);
  }
  const title = TITLES.find((name) => scalar(name) && typeOf(spec, props[name]) === 'string');
  const properties: Json = {};
  for (const field of PROPERTIES) {
    if (Object.keys(properties).length >= MAX_PROPERTIES) break;
    const key = propertyName(field);
    if (scalar(field) && !(key in properties) && field !== identifierField && field !== title)
      properties[key] = jqField(field);
  }
  const mappings: Json = {
    identifier,
    ...(title ? { title: jqField(title) } : {}),
    blueprint: JSON.stringify(`${blueprintPrefix}${pascal(op.kind)}`),
  };
  if (Object.keys(properties).length) mappings.properties = properties;
  if (parent && parentIdentifier) {
    const relation = parent.parent.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    // Identifiers are stored as text: a numeric parent id must be compared as text too.
    const text = ['id', 'number'].includes(parentIdentifier) ? ' | tostring' : '';
    mappings.relations = { [relation]: `$parent${jqField(parentIdentifier)}${text}` };
  }
  const plain = identifier === jqField(identifierField);
  return {
    entry: { kind: op.kind, port: { entity: { mappings } } },
    identifierField: plain ? identifierField : undefined,
    todos,
  };
}
