/**
 * Reading JSON Schemas inside an OpenAPI description: the type of a schema (3.0 `nullable`, 3.1
 * type lists), and the properties of an object, `allOf` merged and the first `oneOf`/`anyOf` taken.
 */
import { isObject, type Json, type OpenapiSpec } from './openapi-read.js';

const MAX_DEPTH = 8;

/** The schema's type, `null` left out of a 3.1 type list; `object`/`array` inferred from their keywords. */
export function typeOf(spec: OpenapiSpec, node: unknown): string | undefined {
  const schema = flatten(spec, node);
  if (!schema) return undefined;
  const type = schema.type;
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return type.find((t): t is string => typeof t === 'string' && t !== 'null');
  if (isObject(schema.properties)) return 'object';
  if (schema.items !== undefined) return 'array';
  return undefined;
}

/** A schema with its `$ref`s followed, `allOf` members merged and the first non-null `oneOf`/`anyOf` chosen. */
export function flatten(spec: OpenapiSpec, node: unknown, depth = 0): Json | undefined {
  const schema = spec.deref(node);
  if (!schema || depth > MAX_DEPTH) return schema;
  const choice = (schema.oneOf ?? schema.anyOf) as unknown;
  if (Array.isArray(choice)) {
    const first = choice.map((c) => flatten(spec, c, depth + 1)).find((c) => c && c.type !== 'null');
    if (first) return { ...first, ...withoutKeys(schema, ['oneOf', 'anyOf']) };
  }
  if (!Array.isArray(schema.allOf)) return schema;
  const merged: Json = { ...withoutKeys(schema, ['allOf']) };
  const properties: Json = {};
  for (const member of schema.allOf) {
    const part = flatten(spec, member, depth + 1);
    if (!part) continue;
    Object.assign(properties, isObject(part.properties) ? part.properties : {});
    for (const [key, value] of Object.entries(part)) if (!(key in merged)) merged[key] = value;
  }
  Object.assign(properties, isObject(schema.properties) ? schema.properties : {});
  merged.properties = properties;
  return merged;
}

function withoutKeys(schema: Json, keys: string[]): Json {
  return Object.fromEntries(Object.entries(schema).filter(([key]) => !keys.includes(key)));
}

/** The properties of an object schema, each as written (follow them with `flatten`). */
export function propertiesOf(spec: OpenapiSpec, node: unknown): Json {
  const schema = flatten(spec, node);
  return schema && isObject(schema.properties) ? schema.properties : {};
}

/** A string, number, integer or boolean. */
export function isScalar(spec: OpenapiSpec, node: unknown): boolean {
  const type = typeOf(spec, node);
  return type === 'string' || type === 'number' || type === 'integer' || type === 'boolean';
}
