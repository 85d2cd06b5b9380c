import { ConfigError, isInletError, ResponseError } from '../../errors/errors.js';
import type { EventSink } from '../types.js';
import { type Page, type PageRequest, type Paginator, urlLocation } from './page.js';
import { pathSelector, type Selector } from './selector.js';
import { describe } from './validate.js';

/** What `fetchPage` returns: one JSON-decoded response. */
export interface FetchedPage {
  url: URL;
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: unknown;
}

export interface ChainOptions {
  first: PageRequest;
  paginator: Paginator;
  /** Fetches and JSON-decodes one page; the HTTP client provides it. */
  fetchPage: (req: PageRequest, signal?: AbortSignal) => Promise<FetchedPage>;
  /** Selects the page's records: a selector or a path such as `.items`. @default the body itself */
  records?: Selector | string;
  /** Pages to read before stopping with a warning. @default paginator.maxPages ?? 10000 */
  maxPages?: number;
  /** The manifest kind, for messages. */
  kind?: string;
  /** Receives warnings: pagination loop, maxPages reached. */
  onEvent?: EventSink;
  signal?: AbortSignal;
}

const DEFAULT_MAX_PAGES = 10_000;

/**
 * How a chain ended: `complete` only when the API said there is no next page. A chain stopped by
 * `maxPages` or a loop is cut short, and a catalog must not reconcile against it (issue 7).
 */
export type ChainEnd = { complete: true } | { complete: false; reason: string };

/**
 * Read one chain page by page. A next request already made in this chain (same method, URL
 * and body) is a loop: the chain stops with a warning instead of spinning. Pages are
 * fetched lazily, so a consumer that stops early sends no further requests.
 * @example
 * for await (const page of readChain({ first, paginator: linkPaginator(), fetchPage, kind: 'repository' })) {
 *   for (const record of page.records) handle(record);
 * }
 */
export async function* readChain(options: ChainOptions): AsyncGenerator<Page, ChainEnd> {
  const { paginator, fetchPage, signal, kind } = options;
  const maxPages = options.maxPages ?? paginator.maxPages ?? DEFAULT_MAX_PAGES;
  const select = recordsSelector(options.records);
  const where = kind === undefined ? 'this chain' : `kind ${kind}`;
  let request = paginator.first(options.first);
  const seen = new Set([requestIdentity(request)]);
  for (let index = 0; ; index++) {
    signal?.throwIfAborted();
    const fetched = await fetchPage(request, signal);
    const page: Page = { ...fetched, request, records: [], index };
    page.records = withKind(kind, () => toRecords(select(fetched.body), page, where));
    yield page;
    const next = withKind(kind, () => paginator.next(page));
    if (next === null) return { complete: true };
    if (index + 1 >= maxPages) {
      options.onEvent?.({
        type: 'warning',
        message: `E_PAGINATION maxPages (${maxPages}) reached in ${where} at ${urlLocation(page.url)}; stopping (raise paginate.maxPages to read further)`,
        url: page.url,
        kind,
      });
      return { complete: false, reason: `maxPages (${maxPages}) reached at ${urlLocation(page.url)}` };
    }
    const identity = requestIdentity(next);
    if (seen.has(identity)) {
      options.onEvent?.({
        type: 'warning',
        message: `E_PAGINATION pagination loop in ${where}: ${next.method} ${urlLocation(next.url)} was already requested in this chain; stopping after ${index + 1} pages`,
        url: next.url,
        kind,
      });
      return {
        complete: false,
        reason: `pagination loop at ${next.method} ${urlLocation(next.url)} after ${index + 1} pages`,
      };
    }
    seen.add(identity);
    request = next;
  }
}

function recordsSelector(records: Selector | string | undefined): Selector {
  if (records === undefined) return (body) => body;
  if (typeof records === 'function') return records;
  try {
    return pathSelector(records);
  } catch (error) {
    throw new ConfigError(`records: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

function toRecords(selected: unknown, page: Page, where: string): Record<string, unknown>[] {
  if (selected === undefined || selected === null) return [];
  const list = Array.isArray(selected) ? selected : [selected];
  const bad = list.findIndex((item) => typeof item !== 'object' || item === null || Array.isArray(item));
  if (bad >= 0) {
    throw new ResponseError(
      `records in ${where} must be objects, but record ${bad} is ${describe(list[bad])}`,
      { method: page.request.method, url: urlLocation(page.url), status: page.status },
    );
  }
  return list as Record<string, unknown>[];
}

/** Tag Inlet errors with the kind being read, so the CLI line names it. */
function withKind<T>(kind: string | undefined, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (kind !== undefined && isInletError(error) && error.kind === undefined) error.kind = kind;
    throw error;
  }
}

// Query order does not change what a server returns, so `?a=1&b=2` and `?b=2&a=1` are one request.
function requestIdentity(req: PageRequest): string {
  const url = new URL(req.url);
  url.searchParams.sort();
  url.hash = '';
  const body =
    req.body instanceof Uint8Array ? Buffer.from(req.body).toString('base64') : JSON.stringify(req.body);
  return `${req.method} ${url.href} ${body ?? ''}`;
}
