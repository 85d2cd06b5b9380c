import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Item } from './dataset.js';
import { intParam } from './query-params.js';

/** The request URL with some query parameters replaced; every other parameter is kept. */
function withParams(requestUrl: string, params: Record<string, number>): string {
  const url = new URL(requestUrl);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, String(value));
  return url.href;
}

/** GitHub's Link header (docs.github.com/rest/using-the-rest-api/using-pagination-in-the-rest-api). */
function linkHeader(requestUrl: string, page: number, lastPage: number): string | undefined {
  const links: string[] = [];
  const link = (p: number, rel: string) =>
    links.push(`<${withParams(requestUrl, { page: p })}>; rel="${rel}"`);
  if (page > 1) link(Math.min(page - 1, lastPage), 'prev');
  if (page < lastPage) {
    link(page + 1, 'next');
    link(lastPage, 'last');
  }
  if (page > 1) link(1, 'first');
  return links.length > 0 ? links.join(', ') : undefined;
}

function encodeToken(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

function decodeToken(token: string): number {
  const match = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match?.[1]) throw new HTTPException(400, { message: 'Invalid nextPageToken' });
  return Number(match[1]);
}

/**
 * The same `items` behind six pagination styles, one per route, each with the provider's own
 * defaults and maxima. All links are absolute URLs built from the request URL.
 * @example app.route('/api', itemRoutes(makeItems(50, 1)));
 */
export function itemRoutes(items: readonly Item[]): Hono {
  const app = new Hono();
  const total = items.length;

  // GitHub: ?page (1-based) & per_page (default 30, max 100); next/last/first/prev in `Link`.
  app.get('/link/items', (c) => {
    const page = intParam(c, 'page', 1, 1);
    const perPage = intParam(c, 'per_page', 30, 1, 100);
    const lastPage = Math.max(1, Math.ceil(total / perPage));
    const link = linkHeader(c.req.url, page, lastPage);
    if (link) c.header('link', link);
    return c.json(items.slice((page - 1) * perPage, page * perPage));
  });

  // Django REST / RapidPro: { count, next, previous, results } with absolute next/previous URLs.
  app.get('/next/items', (c) => {
    const page = intParam(c, 'page', 1, 1);
    const pageSize = intParam(c, 'page_size', 10, 1, 1000);
    const lastPage = Math.max(1, Math.ceil(total / pageSize));
    if (page > lastPage) throw new HTTPException(404, { message: 'Invalid page.' });
    return c.json({
      count: total,
      next: page < lastPage ? withParams(c.req.url, { page: page + 1 }) : null,
      previous: page > 1 ? withParams(c.req.url, { page: page - 1 }) : null,
      results: items.slice((page - 1) * pageSize, page * pageSize),
    });
  });

  // Jira /rest/api/3/search/jql: opaque nextPageToken, omitted on the last page.
  app.get('/cursor/items', (c) => {
    const token = c.req.query('nextPageToken');
    const start = token ? decodeToken(token) : 0;
    const maxResults = intParam(c, 'maxResults', 50, 1, 5000);
    const end = start + maxResults;
    const isLast = end >= total;
    return c.json({
      issues: items.slice(start, end),
      ...(isLast ? {} : { nextPageToken: encodeToken(end) }),
      isLast,
    });
  });

  // Jira project/search: startAt / maxResults / total / isLast / values.
  app.get('/offset/items', (c) => {
    const startAt = intParam(c, 'startAt', 0);
    const maxResults = intParam(c, 'maxResults', 50, 1, 100);
    return c.json({
      startAt,
      maxResults,
      total,
      isLast: startAt + maxResults >= total,
      values: items.slice(startAt, startAt + maxResults),
    });
  });

  // Octopus Deploy: ?skip & take. LastPageNumber is 0-based (NumberOfPages - 1), as Octopus reports it.
  app.get('/page/items', (c) => {
    const skip = intParam(c, 'skip', 0);
    const take = intParam(c, 'take', 30, 1, 1000);
    const numberOfPages = Math.ceil(total / take);
    const path = new URL(c.req.url).pathname;
    const at = (s: number) => `${path}?skip=${s}&take=${take}`;
    const lastPageNumber = Math.max(0, numberOfPages - 1);
    return c.json({
      ItemType: 'Item',
      TotalResults: total,
      ItemsPerPage: take,
      NumberOfPages: numberOfPages,
      LastPageNumber: lastPageNumber,
      Items: items.slice(skip, skip + take),
      // Octopus links are server-relative.
      Links: {
        Self: path,
        'Page.Current': at(skip),
        'Page.Last': at(lastPageNumber * take),
        ...(skip + take < total ? { 'Page.Next': at(skip + take) } : {}),
      },
    });
  });

  // A plain page-number paginator: { page, last_page, data }.
  app.get('/pages/items', (c) => {
    const page = intParam(c, 'page', 1, 1);
    const perPage = intParam(c, 'per_page', 30, 1, 1000);
    return c.json({
      page,
      last_page: Math.max(1, Math.ceil(total / perPage)),
      data: items.slice((page - 1) * perPage, page * perPage),
    });
  });

  app.get('/items/:id', (c) => {
    const item = items.find((candidate) => String(candidate.id) === c.req.param('id'));
    return item ? c.json(item) : c.json({ message: 'Not Found' }, 404);
  });

  return app;
}
