import { describe, expect, it } from 'vitest';
import { isInletError } from '../../errors/errors.js';
import { createPaginator, type PaginateSpec } from './create-paginator.js';
import type { Page, PageRequest } from './page.js';

const first: PageRequest = {
  method: 'POST',
  url: new URL('https://api.example/items?q=x'),
  headers: { 'x-a': '1' },
  body: { q: 'x' },
};

function pageOf(request: PageRequest, body: unknown, count: number): Page {
  const records = Array.from({ length: count }, (_, id) => ({ id }));
  return { request, url: request.url, status: 200, headers: {}, body, records, index: 0 };
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return expect.fail('expected a throw');
}

describe('createPaginator', () => {
  it('defaults to one page', () => {
    const paginator = createPaginator();
    expect(paginator.first(first)).toBe(first);
    expect(paginator.next(pageOf(first, [], 3))).toBeNull();
  });

  it.each<[string, unknown, string]>([
    [
      'an unknown type',
      { type: 'graphql' },
      'paginate.type must be one of none, link, nextUrl, cursor, offset, page',
    ],
    [
      'a misspelt field',
      { type: 'offset', param: 'o', limitparam: 'l' },
      'paginate.limitparam is not a field',
    ],
    ['a missing param', { type: 'cursor', path: '.next' }, 'paginate.param must be a non-empty string'],
    ['a missing path', { type: 'cursor', param: 'c' }, 'paginate.path is required'],
    [
      'a selector jq cannot mean',
      { type: 'nextUrl', path: 'next' },
      'paginate.path: invalid selector "next"',
    ],
    ['a non-selector', { type: 'nextUrl', path: 3 }, 'paginate.path must be a selector'],
    ['a zero limit', { type: 'page', param: 'p', limit: 0 }, 'paginate.limit must be a whole number >= 1'],
    [
      'limitParam without limit',
      { type: 'offset', param: 'o', limitParam: 'l' },
      'paginate.limit is required',
    ],
    ['a bad maxPages', { type: 'link', maxPages: 0.5 }, 'paginate.maxPages must be a whole number >= 1'],
  ])('rejects %s with a ConfigError', (_name, spec, message) => {
    const error = thrown(() => createPaginator(spec as PaginateSpec));
    expect(isInletError(error, 'E_CONFIG')).toBe(true);
    expect((error as Error).message).toContain(message);
  });

  it('accepts selector functions as well as paths, and carries maxPages', () => {
    const paginator = createPaginator({
      type: 'cursor',
      param: 'c',
      path: (body) => (body as { n: number }).n,
      maxPages: 7,
    });
    expect(paginator.maxPages).toBe(7);
    const next = paginator.next(pageOf(first, { n: 42 }, 1));
    expect(next).toEqual({ ...first, url: new URL('https://api.example/items?q=x&c=42') });
  });

  it('offset: sets start and limit first, stops on an empty page and, without a total, on a short one', () => {
    const offset = createPaginator({
      type: 'offset',
      param: 'offset',
      limitParam: 'limit',
      limit: 10,
      start: 5,
    });
    const req = offset.first(first);
    expect(req.url.search).toBe('?q=x&offset=5&limit=10');
    expect(req).toMatchObject({ method: 'POST', headers: { 'x-a': '1' }, body: { q: 'x' } });
    expect(offset.next(pageOf(req, {}, 10))?.url.searchParams.get('offset')).toBe('15');
    expect(offset.next(pageOf(req, {}, 9))).toBeNull();
    expect(offset.next(pageOf(req, {}, 0))).toBeNull();
  });

  it('offset with total: trusts the total (number or numeric string) over page length', () => {
    const offset = createPaginator({ type: 'offset', param: 'o', limit: 10, total: '.total' });
    const req = offset.first(first);
    expect(offset.next(pageOf(req, { total: '30' }, 4))?.url.searchParams.get('o')).toBe('4');
    expect(offset.next(pageOf(req, { total: 4 }, 4))).toBeNull();
    const error = thrown(() => offset.next(pageOf(req, { total: 'many' }, 4)));
    expect(isInletError(error, 'E_PAGINATION')).toBe(true);
    expect((error as Error).message).toBe('bad paginate.total shape: expected a number, got string');
  });

  it('page: starts at 1 by default and stops past last', () => {
    const page = createPaginator({ type: 'page', param: 'page', last: '.last' });
    const req = page.first(first);
    expect(req.url.searchParams.get('page')).toBe('1');
    expect(page.next(pageOf(req, { last: 2 }, 1))?.url.searchParams.get('page')).toBe('2');
    expect(page.next(pageOf(req, { last: 1 }, 1))).toBeNull();
  });

  it('nextUrl: allows another origin, refuses other schemes and non-string values', () => {
    const nextUrl = createPaginator({ type: 'nextUrl', path: '.next' });
    expect(nextUrl.next(pageOf(first, { next: 'https://cdn.example/p2' }, 1))?.url.href).toBe(
      'https://cdn.example/p2',
    );
    expect(nextUrl.next(pageOf(first, { next: '' }, 1))).toBeNull();
    for (const next of ['javascript:alert(1)', 42]) {
      const error = thrown(() => nextUrl.next(pageOf(first, { next }, 1)));
      expect(isInletError(error, 'E_PAGINATION')).toBe(true);
      expect(error).toMatchObject({ url: 'https://api.example/items', method: 'POST' });
    }
  });

  it('link: follows a custom rel and ends without a Link header', () => {
    const link = createPaginator({ type: 'link', rel: 'Older' });
    const page = {
      ...pageOf(first, [], 1),
      headers: { link: '<?page=2>; rel="newer", <?page=0>; rel="older"' },
    };
    expect(link.next(page)?.url.href).toBe('https://api.example/items?page=0');
    expect(link.next(pageOf(first, [], 1))).toBeNull();
  });
});
