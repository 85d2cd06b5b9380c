import { describe, expect, it } from 'vitest';
import { compileFast } from './fast-path.js';
import { compileJq } from './jq.js';

const run = (program: string, record: unknown, vars: Record<string, unknown> = {}) => {
  const fn = compileFast(program);
  if (!fn) throw new Error(`${program} should be a fast path`);
  return fn(record, vars);
};

const FAST = [
  '.a',
  '.a.b',
  '.["x y"]',
  '.a["b"]',
  '.a.["b"]',
  '."q"',
  '$parent.login',
  '$org',
  '.',
  '"s"',
  'true',
  'if .a then .a else "" end',
  'if .a.b then "x" elif $org then $org else null end',
  'if .a then .b end',
  'if if .a then .n else true end then (.a) else . end',
  'if.a then"y"else"n"end',
  '.a // "d"',
  '.s.x // .a.b // "d"',
  '(.a // .n) // false',
  'if .n // .a then "one" else "zero" end',
  'if .q then .q.x else .b end',
  'if $parent then $parent.login else $org end',
  '$parent // "none"',
  '.a.b // (if .b then .b else "z" end)',
  '["x"]',
  '.a | .b',
  'null | .a',
  'if .a then .b else .c end | .d',
  'if .a == 1 then .b else .c end',
  '.a and .b // .c',
  '.a // .b and .c',
  '1',
  '.q == .q',
];

/** The operators, tostring and collects, checked on records with numbers, nesting and bad types. */
const FAST_OPS = [
  '.a + .b',
  '.s + "#" + (.n | tostring)',
  '.base.repo.full_name + "#" + (.number | tostring)',
  '.n + 1',
  'null + .a',
  '.a + null',
  '.arr + .arr',
  '.o + .p',
  '.s + .n',
  '.t + .t',
  '.big + .big',
  '(.a + .b) == (.b + .a)',
  '.n | tostring',
  '.f | tostring',
  '.e|tostring',
  '.g | tostring',
  '.o | tostring',
  '.p | tostring',
  '.arr | tostring',
  '.s | tostring',
  '.t | tostring',
  '[.o[]] | tostring',
  'tostring',
  '.z | tostring',
  '[.arr[] | tostring]',
  '.a == .b',
  '.n != 1',
  '.o == .p',
  '.arr == [.arr[]]',
  '.s == "str"',
  '.f == .f',
  'null == false',
  '.n == 0',
  '.a and .b',
  '.a or .b',
  '.t and .s.x',
  '.s.x and false',
  'false and .s.x',
  'true or .s.x',
  '.s.x or true',
  '.a | not',
  'not',
  '(.n == 1) | not',
  '.a and .b or .t',
  '.a or .b and .t',
  '.a == .b and .t',
  '.a + .b == .c',
  'if .merged_at != null then "merged" elif .state == "closed" then "closed" else "open" end',
  '[.labels[].name]',
  '[.labels[]?.name]',
  '[.labels[]?]',
  '[.arr[]]',
  '[.o[]]',
  '[.[]]',
  '[ .nested[][] ]',
  '[.nested[]?[]?]',
  '[.labels[] | .name]',
  '[.labels[]? | .name // "none"]',
  '[.labels[] | .name | tostring]',
  '[.s.x[]]',
  '[.a]',
  '[]',
  '[$parent.tags[]]',
  '[.arr.[]]',
  '[.nested[] | . + .]',
  'if .t then 1 else 2 end + 1',
  '.a + .b | . == .c',
];

const NOT_FAST = [
  '.a[0]',
  '"\\(.a)"',
  '.a?',
  '$ENV.HOME',
  '$__loc__',
  '.a.b,.c',
  '.[0]',
  '1.5',
  '.a + 1.5',
  '.a - 1',
  '.a * 2',
  '.a < .b',
  '.a >= .b',
  '.a[]',
  '.a[]?',
  '[.a[], .b]',
  '.a |= 1',
  '.a += 1',
  '.a + .b | tostring',
  '(.n + 1) | tostring',
  '[.n + 1] | tostring',
  '.n + 1 | . | tostring',
  '[.a[] | . + 1] | tostring',
  'if .a then .a + 1 end | tostring',
  '.a | not(.b)',
  'tostring(.a)',
  '.a == .b == .c',
  '$parent[]',
  '.a?.b',
  '..',
  '.a .b',
  '.a //= 1',
  'if .a then .b, .c else .d end',
  '(.a).b',
  '"\\ud83d\\ude00"',
  '"a\nb"',
  'ifx',
  '.a # comment',
];

/** Every program on every record and vars binding, against jq-wasm (first output, null on error). */
async function differential(
  programs: readonly string[],
  records: readonly unknown[],
  vars: readonly Record<string, unknown>[],
): Promise<void> {
  for (const program of programs) {
    const jq = await compileJq(`[.[] | [try (${program}\n) catch null] | .[0]]`, 'test', ['org']);
    const js = compileFast(program);
    expect(js, program).not.toBeNull();
    for (const v of vars) {
      const expected = (await jq.run(records, v))[0];
      expect(
        records.map((r) => js?.(r, v) ?? null),
        `${program} with ${JSON.stringify(v)}`,
      ).toEqual(expected);
    }
  }
}

describe('compileFast', () => {
  it('recognises paths, literals, conditionals, alternatives, operators and collects only', () => {
    for (const p of [...FAST, ...FAST_OPS]) expect(compileFast(p), p).not.toBeNull();
    for (const p of NOT_FAST) expect(compileFast(p), p).toBeNull();
  });

  it('follows jq semantics: null propagates, missing is null, indexing a non-object is an error', () => {
    const rec = { a: { b: 1, 'x y': 2 }, s: 'str', arr: [1], n: null };
    expect(run('.a.b', rec)).toBe(1);
    expect(run('.a["x y"]', rec)).toBe(2);
    expect(run('.n.x.y', rec)).toBeNull();
    expect(run('.missing', rec)).toBeNull();
    expect(run('.s.x', rec)).toBeUndefined();
    expect(run('.arr.x', rec)).toBeUndefined();
    expect(run('.constructor', rec)).toBeNull();
    expect(run('$parent.id', rec, { parent: { id: 9 } })).toBe(9);
    expect(run('"githubRepository"', rec)).toBe('githubRepository');
    expect(run('.', rec)).toBe(rec);
    expect(run('if .s.x then "y" else "n" end', rec)).toBeUndefined();
    expect(run('.s.x // "d"', rec)).toBeUndefined(); // jq 1.8: `//` does not catch errors
    expect(run('.n // "d"', rec)).toBe('d');
    expect(run('if .n then "y" end', rec)).toBe(rec);
  });

  it('gives what jq gives (first output, null on error) on every recognised program', async () => {
    const records = [
      { a: { b: 1, 'x y': 2 }, s: 'str', arr: [1], n: null, q: 0, b: false },
      { a: null, b: 'B', s: { x: '' }, n: 0, q: 'q' },
      { a: 'text', b: [], q: { 'x y': null } },
      { a: false, n: false, s: [] },
      {},
    ];
    const vars = [
      { parent: { login: 'p' }, org: 'acme' },
      { parent: null, org: false },
    ];
    await differential(FAST, records, vars);
  });

  it('adds, compares, converts and collects as jq 1.8 does, errors included', async () => {
    const records = [
      {
        a: 'x',
        b: 'y',
        c: 'xy',
        s: 'str',
        n: 1,
        f: 1.5,
        e: 1e-7,
        g: 1e21,
        big: 1.7976931348623157e308,
        z: 0.1,
        t: true,
        arr: [1, 'a', null, [2], { k: 0.000001 }],
        o: { k: 1, 'x"y': 'q\u007f\u0001\u001b\n\té😀\u2028/' },
        p: { k: 2, m: null },
        labels: [{ name: 'bug' }, { name: 'ui' }],
        nested: [[1, 2], [3]],
        merged_at: null,
        state: 'closed',
        base: { repo: { full_name: 'acme/repo' } },
        number: 42,
      },
      {
        a: null,
        b: 2,
        c: 2,
        s: null,
        n: 0,
        f: -2.5,
        labels: null,
        o: [],
        p: {},
        arr: { x: 1, y: [2] },
        nested: [1],
        merged_at: '2024-01-01T00:00:00Z',
        state: 'open',
        base: null,
      },
      { a: 3, b: 4, c: 7, n: 123456789012345680000, labels: [], arr: [], o: {}, p: {}, nested: [], t: false },
      {
        labels: [{ name: 1 }, 2],
        a: [1],
        b: [2],
        c: [1, 2],
        o: { a: 1 },
        p: { a: 1 },
        arr: 'text',
        nested: { a: [1] },
      },
      {
        labels: { x: { name: 'obj' } },
        a: { x: 1 },
        b: { y: 2 },
        c: { y: 2, x: 1 },
        n: 2 ** 53 + 2,
        arr: [1.5, 1e-7],
      },
      {
        labels: 'str',
        a: true,
        b: false,
        n: 5e-324,
        f: 1e300,
        number: null,
        base: { repo: { full_name: null } },
      },
      {},
    ];
    const vars = [
      { parent: { login: 'p', tags: ['a', 'b'] }, org: 'acme' },
      { parent: null, org: false },
    ];
    await differential(FAST_OPS, records, vars);
  });

  it('reads a lone surrogate as U+FFFD in +, == and tostring, as jq does', async () => {
    // jq 1.8 refuses a lone high surrogate in its input, so only low ones can be compared with it.
    const records = [{ u: 'a\udc00', w: 'a\ufffd' }, { u: '\udc00x\udc00', w: '\ufffdx\ufffd' }, { u: 1 }];
    const programs = ['.u + ""', '.u == .w', '.u | tostring', '[.u] | tostring', '.u + .u == .w + .w'];
    await differential(programs, records, [{ parent: null, org: null }]);
  });
});
