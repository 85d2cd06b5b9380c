import { ConfigError } from '../../errors/errors.js';

/** Reads a value out of a decoded JSON body; jq-backed selectors plug in here too. */
export type Selector = (body: unknown) => unknown;

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/;
// A JSON string literal: the key of `.["weird key"]`.
const QUOTED = /^"(?:[^"\\]|\\.)*"/;

/**
 * A selector for the jq subset `.`, `.a.b` and `.["weird key"]` (also `.a["b"]`); anything
 * else is a ConfigError, so a richer jq expression is never silently misread.
 * A missing key, or a key read from a non-object, selects undefined.
 * @example pathSelector('.meta.next_cursor')({ meta: { next_cursor: 'abc' } }) // 'abc'
 */
export function pathSelector(path: string): Selector {
  const keys = parsePath(path);
  return (body) => {
    let current: unknown = body;
    for (const key of keys) {
      if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
      // Own keys only: `.constructor` must not reach Object.prototype.
      current = Object.hasOwn(current, key) ? (current as Record<string, unknown>)[key] : undefined;
    }
    return current;
  };
}

function parsePath(path: string): string[] {
  const text = path.trim();
  const invalid = (why: string) =>
    new ConfigError(
      `invalid selector ${JSON.stringify(path)}: ${why}; supported forms are '.', '.a.b' and '.["key"]'`,
    );
  if (text === '.') return [];
  if (!text.startsWith('.')) throw invalid('it must start with "."');
  const keys: string[] = [];
  let rest = text;
  while (rest.length > 0) {
    if (rest.startsWith('.[') || (keys.length > 0 && rest.startsWith('['))) {
      rest = rest.slice(rest.indexOf('[') + 1);
      const quoted = QUOTED.exec(rest);
      if (!quoted || rest[quoted[0].length] !== ']') throw invalid('brackets must hold one quoted key');
      keys.push(parseKey(quoted[0], invalid));
      rest = rest.slice(quoted[0].length + 1);
    } else if (rest.startsWith('.')) {
      const ident = IDENT.exec(rest.slice(1));
      if (!ident) throw invalid(`unexpected ${JSON.stringify(rest.slice(0, 10))}`);
      keys.push(ident[0]);
      rest = rest.slice(1 + ident[0].length);
    } else {
      throw invalid(`unexpected ${JSON.stringify(rest.slice(0, 10))}`);
    }
  }
  return keys;
}

function parseKey(literal: string, invalid: (why: string) => ConfigError): string {
  try {
    return JSON.parse(literal) as string;
  } catch {
    throw invalid(`bad escape in ${literal}`);
  }
}
