import { type Paginator, withQuery } from './page.js';
import { currentPosition, selectedCount, sizedStart } from './position.js';
import type { Selector } from './selector.js';

interface OffsetPaginatorOptions {
  /** Query parameter holding the offset: `offset`, Jira's `startAt`, Octopus's `skip`. */
  param: string;
  /** Query parameter holding the page size: `limit`, Jira's `maxResults`, Octopus's `take`. */
  limitParam?: string;
  /** Page size to ask for; a page with fewer records ends the chain (unless `total` is given). */
  limit?: number;
  /** The first offset. @default 0 */
  start?: number;
  /** Selects the total number of records, e.g. Jira's `.total`. */
  total?: Selector;
}

/**
 * `paginate: { type: offset }`: advance `param` by the number of records actually received,
 * so a server that caps the page size below `limit` is still read without gaps or repeats.
 * Stops on an empty page, at `param >= total`, or, when no total is given, on a page shorter
 * than `limit`. A known total is trusted over page length because servers may shrink pages.
 * @example offsetPaginator({ param: 'startAt', limitParam: 'maxResults', limit: 100, total: pathSelector('.total') })
 */
export function offsetPaginator(options: OffsetPaginatorOptions): Paginator {
  const { param, start, limit, firstQuery } = sizedStart(options, 0);
  return {
    first(req) {
      return withQuery(req, firstQuery);
    },
    next(page) {
      const received = page.records.length;
      if (received === 0) return null;
      const offset = currentPosition(page.request, param, start) + received;
      const total = options.total ? selectedCount(options.total(page.body), 'total', page) : undefined;
      if (total !== undefined) {
        if (offset >= total) return null;
      } else if (limit !== undefined && received < limit) {
        return null;
      }
      return withQuery(page.request, { [param]: offset });
    },
  };
}
