import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isInletError } from '../../errors/errors.js';
import type { HttpEvent } from '../types.js';
import { createPaginator, type PaginateSpec } from './create-paginator.js';
import type { Page, PageRequest } from './page.js';
import { type ChainOptions, type FetchedPage, readChain } from './read-chain.js';

const ALL = Array.from({ length: 23 }, (_, i) => ({ id: i + 1 }));
const IDS = ALL.map((record) => record.id);
const SIZE = 5;

type Route = (url: URL, req: IncomingMessage, res: ServerResponse, body: string) => unknown;
const num = (url: URL, name: string, fallback: number) => Number(url.searchParams.get(name) ?? fallback);
const slice = (from: number, size = SIZE) => ALL.slice(from, from + size);

// One endpoint per pagination style, each shaped like the API it imitates.
const ROUTES: Record<string, Route> = {
  '/link': (url, _req, res) => {
    const page = num(url, 'page', 1);
    const links: string[] = [`<${origin}/link?page=1>; rel="first"; title="start, here; ok"`];
    // Odd pages link absolutely, even pages relatively; `rel="next last"` carries two relations.
    if (page * SIZE < ALL.length) {
      const next = page % 2 ? `${origin}/link?page=${page + 1}` : `link?page=${page + 1}`;
      links.push(`<${next}>; rel="${page + 1 === 5 ? 'next last' : 'next'}"`);
    }
    res.setHeader('link', links.join(', '));
    return slice((page - 1) * SIZE);
  },
  '/next': (url) => {
    const page = num(url, 'page', 1);
    const more = page * SIZE < ALL.length;
    return { results: slice((page - 1) * SIZE), next: more ? `/next?page=${page + 1}` : null };
  },
  '/cursor': (url, req, res, body) => {
    if (req.method !== 'POST' || req.headers['x-probe'] !== 'yes' || body !== '{"q":"all"}') {
      res.statusCode = 400;
      return { error: 'method, header or body not kept' };
    }
    const after = num(url, 'after', 0);
    const data = ALL.filter((record) => record.id > after).slice(0, SIZE);
    const last = data.at(-1)?.id;
    return { data, meta: { next: last !== undefined && last < ALL.length ? String(last) : null } };
  },
  // Jira caps maxResults (here at 4) and reports the total; trusting the total reads everything.
  '/jira': (url) => {
    const startAt = num(url, 'startAt', 0);
    return { values: slice(startAt, Math.min(4, num(url, 'maxResults', 50))), total: ALL.length, startAt };
  },
  '/octopus': (url) => ({ Items: slice(num(url, 'skip', 0), num(url, 'take', 30)) }),
  '/page': (url) => ({
    items: slice((num(url, 'page', 1) - 1) * num(url, 'per_page', 30), num(url, 'per_page', 30)),
  }),
  '/page-last': (url) => ({ Items: slice(num(url, 'page', 0) * SIZE), LastPageNumber: 4 }),
  '/loop-link': (url, _req, res) => {
    res.setHeader('link', `</loop-link?page=${url.searchParams.get('page') === '2' ? 1 : 2}>; rel=next`);
    return [{ id: 1 }];
  },
  '/loop-cursor': () => ({ data: [{ id: 1 }], next: 'same' }),
  '/forever': (url) => ({ data: [{ id: 1 }], next: `/forever?page=${num(url, 'page', 1) + 1}` }),
  '/bad-records': () => [{ id: 1 }, 5],
  '/bad-link': (_url, _req, res) => {
    res.setHeader('link', 'https://x.example/?page=2; rel="next"');
    return [{ id: 1 }];
  },
  '/bad-cursor': () => ({ data: [{ id: 1 }], next: { token: 'x' } }),
};

let server: Server;
let origin = '';
let requests: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', origin);
      requests.push(`${req.method} ${url.pathname}${url.search}`);
      const route = ROUTES[url.pathname];
      res.setHeader('content-type', 'application/json');
      if (!route) res.statusCode = 404;
      res.end(JSON.stringify(route ? route(url, req, res, Buffer.concat(chunks).toString()) : null));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  requests = [];
});

async function fetchPage(req: PageRequest, signal?: AbortSignal): Promise<FetchedPage> {
  const headers: Record<string, string> = { ...req.headers };
  if (req.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(req.url, {
    method: req.method,
    headers,
    body: req.body === undefined ? undefined : JSON.stringify(req.body),
    signal,
  });
  return {
    url: new URL(res.url),
    status: res.status,
    headers: Object.fromEntries(res.headers),
    body: await res.json(),
  };
}

interface ReadOptions extends Partial<Omit<ChainOptions, 'paginator' | 'first'>> {
  first?: Partial<PageRequest>;
}

async function read(path: string, spec: PaginateSpec, options: ReadOptions = {}) {
  const events: HttpEvent[] = [];
  const pages: Page[] = [];
  const first: PageRequest = { method: 'GET', url: new URL(path, origin), ...options.first };
  const chain = readChain({
    fetchPage,
    kind: 'item',
    ...options,
    first,
    paginator: createPaginator(spec),
    onEvent: (e) => events.push(e),
  });
  for await (const page of chain) pages.push(page);
  return { pages, events, ids: pages.flatMap((page) => page.records.map((record) => record.id)) };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected the chain to fail'),
    (error: unknown) => error,
  );
}

describe('readChain against a loopback API, 23 records in pages of 5', () => {
  it('link: follows absolute and relative rel="next" links, including rel="next last"', async () => {
    const { ids, pages, events } = await read('/link', { type: 'link' });
    expect(ids).toEqual(IDS);
    expect(pages.map((page) => page.index)).toEqual([0, 1, 2, 3, 4]);
    expect(requests).toEqual([
      'GET /link',
      'GET /link?page=2',
      'GET /link?page=3',
      'GET /link?page=4',
      'GET /link?page=5',
    ]);
    expect(events).toEqual([]);
  });

  it('nextUrl: follows a relative URL in the body until null', async () => {
    const { ids } = await read('/next', { type: 'nextUrl', path: '.next' }, { records: '.results' });
    expect(ids).toEqual(IDS);
    expect(requests).toHaveLength(5);
  });

  it('cursor: resends the same method, headers and body with the cursor param', async () => {
    const first = { method: 'POST', headers: { 'x-probe': 'yes' }, body: { q: 'all' } };
    const { ids, pages } = await read(
      '/cursor',
      { type: 'cursor', param: 'after', path: '.meta.next' },
      { first, records: '.data' },
    );
    expect(ids).toEqual(IDS);
    expect(pages.every((page) => page.status === 200)).toBe(true);
    expect(requests).toEqual(['POST /cursor', ...[5, 10, 15, 20].map((n) => `POST /cursor?after=${n}`)]);
  });

  it('offset (Jira startAt/maxResults/total): advances by records received when the server caps the page', async () => {
    const spec: PaginateSpec = {
      type: 'offset',
      param: 'startAt',
      limitParam: 'maxResults',
      limit: SIZE,
      total: '.total',
    };
    const { ids } = await read('/jira', spec, { records: '.values' });
    expect(ids).toEqual(IDS);
    expect(requests).toHaveLength(6); // 23 / 4 rounded up: stops at startAt >= total without an empty page
    expect(requests[1]).toBe('GET /jira?startAt=4&maxResults=5');
  });

  it('offset (Octopus skip/take): a page shorter than the limit ends the chain', async () => {
    const { ids } = await read(
      '/octopus',
      { type: 'offset', param: 'skip', limitParam: 'take', limit: SIZE },
      { records: '.Items' },
    );
    expect(ids).toEqual(IDS);
    expect(requests).toEqual([0, 5, 10, 15, 20].map((n) => `GET /octopus?skip=${n}&take=5`));
  });

  it('page: stops at the first empty page', async () => {
    const { ids } = await read(
      '/page',
      { type: 'page', param: 'page', limitParam: 'per_page', limit: SIZE },
      { records: '.items' },
    );
    expect(ids).toEqual(IDS);
    expect(requests.at(-1)).toBe('GET /page?page=6&per_page=5');
    expect(requests).toHaveLength(6);
  });

  it('page with last (Octopus LastPageNumber): stops after the last page without asking for more', async () => {
    const spec: PaginateSpec = { type: 'page', param: 'page', start: 0, last: '.LastPageNumber' };
    const { ids } = await read('/page-last', spec, { records: '.Items' });
    expect(ids).toEqual(IDS);
    expect(requests).toEqual([0, 1, 2, 3, 4].map((n) => `GET /page-last?page=${n}`));
  });

  it('none: reads one page', async () => {
    const { ids } = await read('/link', { type: 'none' });
    expect(ids).toEqual(IDS.slice(0, SIZE));
    expect(requests).toHaveLength(1);
  });
});

describe('readChain safety', () => {
  it('stops a link loop with a warning naming the kind and URL', async () => {
    const { ids, events } = await read('/loop-link?page=1', { type: 'link' });
    expect(ids).toEqual([1, 1]);
    expect(requests).toEqual(['GET /loop-link?page=1', 'GET /loop-link?page=2']);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event).toMatchObject({ type: 'warning', kind: 'item' });
    expect(event?.type === 'warning' && event.message).toMatch(
      /^E_PAGINATION pagination loop in kind item: GET http:\/\/127/,
    );
    expect(event?.type === 'warning' && event.url?.href).toBe(`${origin}/loop-link?page=1`);
  });

  it('stops a cursor loop (the same cursor twice) with a warning', async () => {
    const { ids, events } = await read(
      '/loop-cursor',
      { type: 'cursor', param: 'c', path: '.next' },
      { records: '.data' },
    );
    expect(ids).toEqual([1, 1]);
    expect(requests).toEqual(['GET /loop-cursor', 'GET /loop-cursor?c=same']);
    expect(events.map((e) => e.type === 'warning' && e.message.includes('pagination loop'))).toEqual([true]);
  });

  it('stops at maxPages with a warning, from the spec or the options', async () => {
    const fromSpec = await read(
      '/forever',
      { type: 'nextUrl', path: '.next', maxPages: 3 },
      { records: '.data' },
    );
    expect(fromSpec.pages).toHaveLength(3);
    expect(requests).toHaveLength(3);
    expect(fromSpec.events[0]).toMatchObject({
      type: 'warning',
      message: expect.stringMatching(/^E_PAGINATION maxPages \(3\)/),
    });
    const fromOptions = await read(
      '/forever',
      { type: 'nextUrl', path: '.next' },
      { records: '.data', maxPages: 2 },
    );
    expect(fromOptions.pages).toHaveLength(2);
  });

  it('rejects records that are not objects with a ResponseError that hides the query', async () => {
    const error = await failure(read('/bad-records?token=s3cret', { type: 'none' }));
    expect(isInletError(error, 'E_RESPONSE')).toBe(true);
    expect(error).toMatchObject({ kind: 'item', url: `${origin}/bad-records`, method: 'GET' });
    expect((error as Error).message).toBe('records in kind item must be objects, but record 1 is number');
    expect(JSON.stringify(error) + String(error)).not.toContain('s3cret');
  });

  it('treats a single object as one record and null as none', async () => {
    expect((await read('/cursor', { type: 'none' }, { records: () => ({ id: 7 }) })).ids).toEqual([7]);
    expect((await read('/cursor', { type: 'none' }, { records: '.missing' })).ids).toEqual([]);
    const error = await failure(read('/cursor', { type: 'none' }, { records: () => 'text' }));
    expect(isInletError(error, 'E_RESPONSE')).toBe(true);
  });

  it('fails a malformed Link header with a PaginationError quoting it', async () => {
    const error = await failure(read('/bad-link', { type: 'link' }));
    expect(isInletError(error, 'E_PAGINATION')).toBe(true);
    expect(error).toMatchObject({ kind: 'item', url: `${origin}/bad-link` });
    expect((error as Error).message).toContain('"https://x.example/?page=2; rel=\\"next\\""');
  });

  it('fails a cursor that is not a string or number with a PaginationError', async () => {
    const error = await failure(
      read('/bad-cursor', { type: 'cursor', param: 'c', path: '.next' }, { records: '.data' }),
    );
    expect(isInletError(error, 'E_PAGINATION')).toBe(true);
    expect((error as Error).message).toMatch(/^bad cursor shape: paginate.path selected object/);
  });

  it('sends no further request once the consumer stops, and honours an aborted signal', async () => {
    for await (const page of readChain({
      first: { method: 'GET', url: new URL('/link', origin) },
      paginator: createPaginator({ type: 'link' }),
      fetchPage,
    })) {
      expect(page.index).toBe(0);
      break;
    }
    expect(requests).toHaveLength(1);
    const signal = AbortSignal.abort(new Error('stop'));
    await expect(read('/link', { type: 'link' }, { signal })).rejects.toThrow('stop');
    expect(requests).toHaveLength(1);
  });
});
