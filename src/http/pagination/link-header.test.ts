import { describe, expect, it } from 'vitest';
import { isInletError } from '../../errors/errors.js';
import { parseLinkHeader } from './link-header.js';

describe('parseLinkHeader (RFC 8288)', () => {
  it('parses several links with quoted, multi-valued and case-insensitive rels', () => {
    const links = parseLinkHeader(
      '<https://api.example/items?page=2>; rel="next last", <https://api.example/items?page=1>; REL=Prev',
    );
    expect(links).toEqual([
      { uri: 'https://api.example/items?page=2', params: { rel: 'next last' }, rels: ['next', 'last'] },
      { uri: 'https://api.example/items?page=1', params: { rel: 'Prev' }, rels: ['prev'] },
    ]);
  });

  it('keeps commas, semicolons and escaped quotes inside quoted parameters', () => {
    const [first, second] = parseLinkHeader(
      '<a?x=1,2>; title="one, two; \\"three\\""; rel="next",<b>;rel=prev',
    );
    expect(first).toEqual({
      uri: 'a?x=1,2',
      params: { title: 'one, two; "three"', rel: 'next' },
      rels: ['next'],
    });
    expect(second?.rels).toEqual(['prev']);
  });

  it('returns relative references as written, for resolution against the response URL', () => {
    expect(parseLinkHeader('</items?page=3>; rel="next"')[0]?.uri).toBe('/items?page=3');
  });

  it('ignores empty list elements, valueless params, a trailing ";" and every rel after the first', () => {
    const links = parseLinkHeader(' , <a>; crossorigin; rel=next; rel=prev;, ,<b>; type=application/json');
    expect(links).toEqual([
      { uri: 'a', params: { crossorigin: '', rel: 'next' }, rels: ['next'] },
      { uri: 'b', params: { type: 'application/json' }, rels: [] },
    ]);
    expect(parseLinkHeader('')).toEqual([]);
  });

  it.each([
    ['missing <…>', 'https://api.example/?page=2; rel="next"', "expected '<' at character 0"],
    ['unterminated <', '<https://api.example/?page=2; rel="next"', "missing '>'"],
    ['unbalanced quote', '<a>; rel="next', 'unbalanced quote'],
    ['text after the URI', '<a> rel=next', "expected ';' or ','"],
    ['text after a quoted value', '<a>; rel="next"x', "expected ';' or ','"],
    ['missing parameter name', '<a>; =next', 'expected a parameter name'],
    ['missing value', '<a>; rel=', 'expected a parameter value'],
  ])('rejects %s with a PaginationError quoting the header', (_name, header, why) => {
    let caught: unknown;
    try {
      parseLinkHeader(header, { url: 'https://api.example/items' });
    } catch (error) {
      caught = error;
    }
    expect(isInletError(caught, 'E_PAGINATION')).toBe(true);
    expect(caught).toMatchObject({ url: 'https://api.example/items' });
    expect((caught as Error).message).toContain(why);
    expect((caught as Error).message).toContain(JSON.stringify(header));
  });

  it('quotes at most 200 characters of a long malformed header', () => {
    const header = `x${'y'.repeat(500)}`;
    expect(() => parseLinkHeader(header)).toThrow(JSON.stringify(header.slice(0, 200)));
  });
});
