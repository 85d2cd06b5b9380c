/**
 * jq 1.8's value operations on JSON values, for the JS fast path (fast-path.ts): truthiness,
 * equality, `+` and `tostring`. Records reach jq as JSON.stringify text, so a number jq sees is the
 * literal JS prints; fast-path.test.ts checks every operation against jq-wasm.
 */

/** An evaluation that raised a jq error (the mapping then makes the field null). */
export const FAIL = Symbol('jq error');

/** Only false and null are falsy in jq. */
export const truthy = (v: unknown): boolean => v !== null && v !== false && v !== undefined;

const SURROGATE = /[\uD800-\uDFFF]/;
const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** jq decodes a lone surrogate (JSON.stringify writes `\ud800`) as U+FFFD. */
const wellFormed = (s: string): string => (SURROGATE.test(s) ? s.replace(LONE, '\uFFFD') : s);

/** A path step: a key, or `[]` (`each: true` for `[]?`, which gives nothing where `[]` raises). */
export type Step = { key: string } | { each: boolean };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keys JSON.stringify writes (an undefined value is left out, so jq never sees the key). */
const keysOf = (o: Record<string, unknown>): string[] => Object.keys(o).filter((k) => o[k] !== undefined);

/** jq's `==`: deep equality, objects regardless of key order, numbers by value (1 == 1.0). */
export function jqEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'string' && typeof b === 'string') return wellFormed(a) === wellFormed(b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return (a ?? null) === (b ?? null);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => jqEqual(x, b[i]));
  }
  const ka = keysOf(a as Record<string, unknown>);
  const ob = b as Record<string, unknown>;
  if (ka.length !== keysOf(ob).length) return false;
  return ka.every((k) => Object.hasOwn(ob, k) && jqEqual((a as Record<string, unknown>)[k], ob[k]));
}

/** jq's `+`: null is the identity; numbers add, strings and arrays concatenate, objects merge (right wins). */
export function jqAdd(a: unknown, b: unknown): unknown {
  if (a === null) return b;
  if (b === null) return a;
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (typeof a === 'string' && typeof b === 'string') return wellFormed(a) + wellFormed(b);
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  if (isObject(a) && isObject(b)) return { ...a, ...b };
  return FAIL; // e.g. `"a" + 1`: "string and number cannot be added"
}

/**
 * jq prints a computed number that overflowed as ±DBL_MAX and NaN as null; applied to the results
 * of programs with `+` (only arrays can hold a computed number: objects are never built).
 */
export function printable(v: unknown): unknown {
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return null;
    return Number.isFinite(v) ? v : Math.sign(v) * Number.MAX_VALUE;
  }
  return Array.isArray(v) ? v.map(printable) : v;
}

/** A string as jq's compact output writes it: like JSON.stringify, but DEL is escaped too. */
const dumpString = (s: string): string => JSON.stringify(wellFormed(s)).replace(/\x7f/g, '\\u007f');

/**
 * jq's compact JSON text of a value whose numbers are all literals from the input or the program
 * (jq 1.8 keeps a literal's text; decNumber writes JS's `1e-7` as `1E-7`). A number computed by
 * `+` prints differently (`1e-07`, `1e+06`), so fast-path.ts never applies tostring to one.
 */
function dump(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return dumpString(v);
  if (typeof v === 'number') return String(v).replace('e', 'E');
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(dump).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${keysOf(o)
    .map((k) => `${dumpString(k)}:${dump(o[k])}`)
    .join(',')}}`;
}

/** jq's `tostring` on a value with literal numbers only: a string is unchanged, the rest is compact JSON. */
export const jqToString = (v: unknown): string => (typeof v === 'string' ? wellFormed(v) : dump(v));

/** Index `v` with key `k` as jq does: null stays null, a missing key is null, a non-object raises. */
function index(v: unknown, k: string): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'object' || Array.isArray(v)) return FAIL;
  const x = Object.hasOwn(v, k) ? (v as Record<string, unknown>)[k] : null;
  return x === undefined ? null : x;
}

export function walk(value: unknown, keys: readonly string[]): unknown {
  let v = value;
  for (const k of keys) {
    v = index(v, k);
    if (v === FAIL) return FAIL;
  }
  return v === undefined ? null : v;
}

/**
 * The outputs of a path with `[]` steps: `[]` iterates an array's elements or an object's values
 * (in JSON.stringify order, which is the order jq read them in) and raises on anything else,
 * `[]?` gives nothing there instead; an error anywhere fails the whole stream, as in `[…]`.
 */
export function iterate(steps: readonly Step[]): (input: unknown, out: unknown[]) => boolean {
  const from = (v: unknown, i: number, out: unknown[]): boolean => {
    let x = v;
    for (let s = i; s < steps.length; s++) {
      const step = steps[s] as Step;
      if ('key' in step) {
        x = index(x, step.key);
        if (x === FAIL) return false;
        continue;
      }
      let items: unknown[];
      if (Array.isArray(x)) items = x;
      else if (typeof x === 'object' && x !== null) items = Object.values(x).filter((e) => e !== undefined);
      else return step.each; // jq: "Cannot iterate over null"; `[]?` yields nothing
      for (const item of items) if (!from(item === undefined ? null : item, s + 1, out)) return false;
      return true;
    }
    out.push(x === undefined ? null : x);
    return true;
  };
  return (input, out) => from(input, 0, out);
}
