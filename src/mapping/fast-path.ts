/**
 * The JS fast path: programs that are a plain path (`.a.b`, `.["x"]`, `$parent.login`) or a literal
 * (`"githubRepository"`, `true`, `null`) are evaluated without jq, with jq's semantics: a key of
 * null is null, a missing key is null, and indexing anything else is an error (the field is null).
 */

/** Evaluates on one record with the bound variables; returns undefined when jq would raise. */
export type FastFn = (record: unknown, vars: Record<string, unknown>) => unknown;

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/;
const STRING = /^"(?:[^"\\]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"/;

/** Parses `.a.b["c"]`, `."x"`, `$v.a`; null when the program is anything else. */
function parsePath(program: string): { root: string | null; keys: string[] } | null {
  let rest = program.trim();
  let root: string | null = null;
  if (rest.startsWith('$')) {
    const m = IDENT.exec(rest.slice(1));
    if (!m || m[0] === 'ENV' || m[0].startsWith('__')) return null;
    root = m[0];
    rest = rest.slice(1 + m[0].length);
  } else if (rest === '.') {
    return { root, keys: [] };
  }
  const keys: string[] = [];
  while (rest.length > 0) {
    let dotted = false;
    if (rest.startsWith('.')) {
      rest = rest.slice(1);
      dotted = true;
      const id = IDENT.exec(rest);
      if (id) {
        keys.push(id[0]);
        rest = rest.slice(id[0].length);
        continue;
      }
    }
    const bracket = rest.startsWith('[');
    const str = STRING.exec(bracket ? rest.slice(1) : rest);
    // Without a dot, only `["k"]` after a path (`.a["k"]`, `$v["k"]`); a leading `["k"]` is an array.
    if (!str || (!bracket && !dotted) || (!dotted && root === null && keys.length === 0)) return null;
    keys.push(JSON.parse(str[0]) as string);
    rest = rest.slice(str[0].length + (bracket ? 1 : 0));
    if (bracket) {
      if (!rest.startsWith(']')) return null;
      rest = rest.slice(1);
    }
  }
  // `.` alone is handled above; a bare `$v` has no keys; `.foo` needs at least one.
  if (root === null && keys.length === 0) return null;
  return { root, keys };
}

const MISSING = Symbol('jq error');

function walk(value: unknown, keys: readonly string[]): unknown {
  let v = value;
  for (const k of keys) {
    if (v === null || v === undefined) return null;
    if (typeof v !== 'object' || Array.isArray(v)) return MISSING;
    v = Object.hasOwn(v, k) ? (v as Record<string, unknown>)[k] : null;
  }
  return v === undefined ? null : v;
}

/**
 * A JS evaluator equivalent to the jq program, or null when the program needs jq.
 * @example compileFast('.owner.login')?.({ owner: { login: 'o' } }, {}) // 'o'
 */
export function compileFast(program: string): FastFn | null {
  const text = program.trim();
  if (text === 'true' || text === 'false' || text === 'null') {
    const value = JSON.parse(text) as unknown;
    return () => value;
  }
  const lit = STRING.exec(text);
  if (lit && lit[0].length === text.length) {
    const value = JSON.parse(text) as unknown;
    return () => value;
  }
  const path = parsePath(text);
  if (!path) return null;
  const { root, keys } = path;
  return (record, vars) => {
    const start = root === null ? record : (vars[root] ?? null);
    const v = walk(start, keys);
    return v === MISSING ? undefined : v;
  };
}
