import { PaginationError } from '../../errors/errors.js';
import { type Paginator, pageContext, withQuery } from './page.js';
import type { Selector } from './selector.js';
import { describe, requireName } from './validate.js';

interface CursorPaginatorOptions {
  /** Query parameter that carries the cursor, e.g. `after`. */
  param: string;
  /** Selects the next cursor in the body, e.g. `pathSelector('.meta.next_cursor')`. */
  path: Selector;
}

/**
 * `paginate: { type: cursor }`: the same request again with `param=<cursor>`; a null or
 * empty cursor ends the chain. A cursor that is not a string or number is a PaginationError.
 * @example cursorPaginator({ param: 'starting_after', path: pathSelector('.next_cursor') })
 */
export function cursorPaginator(options: CursorPaginatorOptions): Paginator {
  const param = requireName(options.param, 'param');
  return {
    first: (req) => req,
    next(page) {
      const cursor = options.path(page.body);
      if (cursor === undefined || cursor === null || cursor === '') return null;
      if (typeof cursor === 'string' || (typeof cursor === 'number' && Number.isFinite(cursor))) {
        return withQuery(page.request, { [param]: cursor });
      }
      throw new PaginationError(
        `bad cursor shape: paginate.path selected ${describe(cursor)} for ${param}, expected a string or number`,
        pageContext(page),
      );
    },
  };
}
