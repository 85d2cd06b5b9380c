import { describe, expect, it } from 'vitest';
import { compileFast } from './fast-path.js';

const run = (program: string, record: unknown, vars: Record<string, unknown> = {}) => {
  const fn = compileFast(program);
  if (!fn) throw new Error(`${program} should be a fast path`);
  return fn(record, vars);
};

describe('compileFast', () => {
  it('recognises plain paths and literals only', () => {
    for (const p of [
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
    ]) {
      expect(compileFast(p), p).not.toBeNull();
    }
    for (const p of [
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
    ]) {
      expect(compileFast(p), p).toBeNull();
    }
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
  });
});
