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
];

const NOT_FAST = [
  '["x"]',
  '.a[0]',
  '.a | .b',
  '"\\(.a)"',
  '.a?',
  '$ENV.HOME',
  '$__loc__',
  'null | .a',
  '.a.b,.c',
  '1',
  '.[0]',
  '..',
  '.a .b',
  '.a //= 1',
  'if .a then .b else .c end | .d',
  'if .a == 1 then .b else .c end',
  'if .a then .b, .c else .d end',
  '(.a).b',
  '.a and .b // .c',
  '.a // .b and .c',
  '"\\ud83d\\ude00"',
  '"a\nb"',
  'ifx',
  '.a # comment',
];

describe('compileFast', () => {
  it('recognises paths, literals, conditionals and alternatives only', () => {
    for (const p of FAST) expect(compileFast(p), p).not.toBeNull();
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
    for (const program of FAST) {
      const jq = await compileJq(`[.[] | [try (${program}\n) catch null] | .[0]]`, 'test', ['org']);
      const js = compileFast(program);
      for (const v of vars) {
        const expected = (await jq.run(records, v))[0];
        expect(
          records.map((r) => js?.(r, v) ?? null),
          `${program} with ${JSON.stringify(v)}`,
        ).toEqual(expected);
      }
    }
  });
});
