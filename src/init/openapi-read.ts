/**
 * Reading an OpenAPI 3 description (JSON or YAML) and resolving its local `$ref`s
 * (spec.openapis.org/oas/v3.1.0#reference-object). Bad input is one E_CONFIG line naming the file.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors/errors.js';

export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A parsed OpenAPI 3 document with `$ref` resolution against itself. */
export interface OpenapiSpec {
  doc: Json;
  /** Follow `$ref`s until a node that is not one; undefined for a reference that cannot be resolved. */
  deref(node: unknown): Json | undefined;
  /** The name of the last component a node referred to (`#/components/schemas/minimal-repository` → `minimal-repository`). */
  refName(node: unknown): string | undefined;
}

/**
 * Read and check an OpenAPI 3 description.
 * @example const spec = await readOpenapi('openapi.yaml'); spec.deref({ $ref: '#/components/schemas/user' });
 */
export async function readOpenapi(file: string): Promise<OpenapiSpec> {
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(`--from-openapi: ${file}: cannot read the file (${code})`, { cause: error });
  });
  const doc = parseText(text, file);
  const version = isObject(doc) ? doc.openapi : undefined;
  if (!isObject(doc) || typeof version !== 'string' || !/^3\.\d+/.test(version)) {
    const found = isObject(doc) && typeof doc.swagger === 'string' ? ` (found swagger: ${doc.swagger})` : '';
    throw new ConfigError(
      `--from-openapi: ${file}: not an OpenAPI 3 description: no "openapi: 3.x" field${found}`,
    );
  }
  if (!isObject(doc.paths)) throw new ConfigError(`--from-openapi: ${file}: paths: missing or not an object`);
  return openapiSpec(doc);
}

function parseText(text: string, file: string): unknown {
  const trimmed = text.trimStart();
  try {
    // JSON is YAML, but JSON.parse is faster and its messages name the position in a large file.
    return trimmed.startsWith('{') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new ConfigError(`--from-openapi: ${file}: not JSON or YAML (${reason})`, { cause: error });
  }
}

const MAX_HOPS = 32;

/** Resolve a JSON pointer (RFC 6901) inside the document. */
function pointer(doc: Json, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    node = isObject(node) || Array.isArray(node) ? (node as Json)[key] : undefined;
  }
  return node;
}

export function openapiSpec(doc: Json): OpenapiSpec {
  const follow = (node: unknown): { node: Json | undefined; name?: string } => {
    let current = node;
    let name: string | undefined;
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      if (!isObject(current)) return { node: undefined, name };
      const ref = current.$ref;
      if (typeof ref !== 'string') return { node: current, name };
      name = ref.split('/').pop();
      current = pointer(doc, ref);
    }
    // A reference loop (a → b → a) resolves to nothing rather than spinning.
    return { node: undefined, name };
  };
  return {
    doc,
    deref: (node) => follow(node).node,
    refName: (node) => follow(node).name,
  };
}
