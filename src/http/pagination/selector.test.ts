import { describe, expect, it } from 'vitest';
import { isInletError } from '../../errors/errors.js';
import { pathSelector } from './selector.js';

describe('pathSelector', () => {
  const body = { a: { b: [1], 'weird key': { c: 'x' } }, n: null, s: 'text' };

  it.each([
    ['.', body],
    ['.a.b', [1]],
    [' .a.b ', [1]],
    ['.["a"]["weird key"].c', 'x'],
    ['.a["weird key"]', { c: 'x' }],
    ['.missing.deeper', undefined],
    ['.n.x', undefined],
    ['.s.length', undefined],
    ['.a.b.length', undefined],
    ['.constructor', undefined],
  ])('%s', (path, expected) => {
    expect(pathSelector(path)(body)).toEqual(expected);
  });

  it.each(['', 'a.b', '.a[0]', '.a | .b', '.a.', '..a', '.["x"', '.[x]', '.["\\q"]', '.a-b'])(
    'rejects %j with a ConfigError',
    (path) => {
      let caught: unknown;
      try {
        pathSelector(path);
      } catch (error) {
        caught = error;
      }
      expect(isInletError(caught, 'E_CONFIG')).toBe(true);
      expect((caught as Error).message).toContain(JSON.stringify(path));
    },
  );
});
