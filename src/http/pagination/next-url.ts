import { PaginationError } from '../../errors/errors.js';
import { type Paginator, pageContext, resolveNextUrl } from './page.js';
import type { Selector } from './selector.js';
import { describe } from './validate.js';

interface NextUrlPaginatorOptions {
  /** Selects the next page's URL in the body, e.g. `pathSelector('.next')`. */
  path: Selector;
}

/**
 * `paginate: { type: nextUrl }`: the body names the next page's URL (absolute or relative);
 * null or empty ends the chain.
 * @example nextUrlPaginator({ path: pathSelector('.links.next') })
 */
export function nextUrlPaginator(options: NextUrlPaginatorOptions): Paginator {
  return {
    first: (req) => req,
    next(page) {
      const value = options.path(page.body);
      if (value === undefined || value === null || value === '') return null;
      if (typeof value !== 'string') {
        throw new PaginationError(
          `bad next URL shape: paginate.path selected ${describe(value)}, expected a string`,
          pageContext(page),
        );
      }
      return value.trim() === '' ? null : { ...page.request, url: resolveNextUrl(value.trim(), page) };
    },
  };
}
