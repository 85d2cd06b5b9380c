/**
 * The shapes pagination speaks: a request for one page, the fetched page, and the
 * paginator capability `{ first, next }` that turns one page into the next request.
 */

import { type ErrorContext, PaginationError } from '../../errors/errors.js';

/** A request to fetch one page. The next request keeps method, headers and body and only changes the URL. */
export interface PageRequest {
  /** Upper-case method. */
  method: string;
  /** Absolute URL. */
  url: URL;
  headers?: Record<string, string>;
  /** JSON body, encoded by whoever fetches the page. */
  body?: unknown;
}

/** One fetched page, JSON-decoded. */
export interface Page {
  /** The request that produced this page. */
  request: PageRequest;
  /** The URL the response came from (after redirects); relative next links resolve against it. */
  url: URL;
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: unknown;
  /** The records selected from `body`, every one a plain object. */
  records: Record<string, unknown>[];
  /** 0-based position of this page in its chain. */
  index: number;
}

/**
 * Turns a page into the next request. Paginators are stateless (they read the current
 * position from `page.request`), so one instance serves every chain of a kind.
 * @example
 * const paginator = cursorPaginator({ param: 'after', path: pathSelector('.meta.next') });
 */
export interface Paginator {
  /** The first request of a chain, e.g. with `offset=0&limit=100` added. */
  first(req: PageRequest): PageRequest;
  /** The request after `page`, or null when the chain is complete. */
  next(page: Page): PageRequest | null;
  /** The chain's page limit from the manifest's `paginate.maxPages`, when set. */
  readonly maxPages?: number;
}

/** A URL safe to print: origin and path only, since the query may carry secrets (api keys, signatures). */
export function urlLocation(url: URL): string {
  return url.origin + url.pathname;
}

/** Error context naming the page that could not be followed. */
export function pageContext(page: Page): ErrorContext {
  return { method: page.request.method, url: urlLocation(page.url), status: page.status };
}

/** `req` with some query parameters replaced; everything else (method, headers, body) kept. */
export function withQuery(req: PageRequest, params: Record<string, string | number>): PageRequest {
  const url = new URL(req.url);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, String(value));
  return { ...req, url };
}

/**
 * The next page's URL from a link or a body field: relative references resolve against the
 * page's URL (RFC 3986 §5); another origin is allowed (the auth layer drops credentials there),
 * but not a step down from https to plain http, which would send the request in clear text (issue 8).
 */
export function resolveNextUrl(ref: string, page: Page): URL {
  let url: URL;
  try {
    url = new URL(ref, page.url);
  } catch (cause) {
    throw new PaginationError(`next page URL ${JSON.stringify(ref.slice(0, 200))} is not a valid URL`, {
      ...pageContext(page),
      cause,
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new PaginationError(`next page URL has unsupported scheme ${url.protocol}`, pageContext(page));
  }
  if (page.url.protocol === 'https:' && url.protocol === 'http:') {
    throw new PaginationError(
      `next page URL ${urlLocation(url)} is plain http after an https page: refused, the request would travel in clear text`,
      pageContext(page),
    );
  }
  return url;
}
