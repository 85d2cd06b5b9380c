import { type Paginator, withQuery } from './page.js';
import { currentPosition, selectedCount, sizedStart } from './position.js';
import type { Selector } from './selector.js';

interface PagePaginatorOptions {
  /** Query parameter holding the page number, e.g. `page`. */
  param: string;
  /** The first page number. @default 1 */
  start?: number;
  /** Query parameter holding the page size, e.g. `per_page`. */
  limitParam?: string;
  /** Page size to ask for. */
  limit?: number;
  /** Selects the last page number, e.g. Octopus's `.LastPageNumber`. */
  last?: Selector;
}

/**
 * `paginate: { type: page }`: `param + 1` until an empty page or past the `last` page number.
 * @example pagePaginator({ param: 'page', limitParam: 'per_page', limit: 100 })
 */
export function pagePaginator(options: PagePaginatorOptions): Paginator {
  const { param, start, firstQuery } = sizedStart(options, 1);
  return {
    first(req) {
      return withQuery(req, firstQuery);
    },
    next(page) {
      if (page.records.length === 0) return null;
      const next = currentPosition(page.request, param, start) + 1;
      const last = options.last ? selectedCount(options.last(page.body), 'last', page) : undefined;
      return last !== undefined && next > last ? null : withQuery(page.request, { [param]: next });
    },
  };
}
