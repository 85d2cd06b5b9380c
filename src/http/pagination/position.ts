import { ConfigError, PaginationError } from '../../errors/errors.js';
import { type Page, type PageRequest, pageContext } from './page.js';
import { describe, optionalInteger, optionalName, requireName } from './validate.js';

/** The position (offset or page number) a request asked for; `start` when the request did not say. */
export function currentPosition(req: PageRequest, param: string, start: number): number {
  const raw = req.url.searchParams.get(param);
  const value = raw === null ? Number.NaN : Number(raw);
  return Number.isSafeInteger(value) ? value : start;
}

/**
 * A count read from the body (`total`, `last`): a whole number or a numeric string; null or
 * missing means "not given". Anything else is a PaginationError: guessing would end the chain early.
 */
export function selectedCount(value: unknown, field: string, page: Page): number | undefined {
  if (value === undefined || value === null) return undefined;
  const number = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number)) {
    throw new PaginationError(
      `bad paginate.${field} shape: expected a number, got ${describe(value)}`,
      pageContext(page),
    );
  }
  return number;
}

/**
 * Validates the page-size pair shared by `offset` and `page` and builds the first request's
 * query: the position parameter at `start`, plus the size when one is asked for.
 */
export function sizedStart(
  options: { param: string; limitParam?: string; limit?: number; start?: number },
  defaultStart: number,
): { param: string; start: number; limit?: number; firstQuery: Record<string, number> } {
  const param = requireName(options.param, 'param');
  const limitParam = optionalName(options.limitParam, 'limitParam');
  const limit = optionalInteger(options.limit, 'limit', 1);
  const start = optionalInteger(options.start, 'start', 0) ?? defaultStart;
  if (limitParam !== undefined && limit === undefined) {
    throw new ConfigError('paginate.limit is required when paginate.limitParam is set');
  }
  const firstQuery = limitParam && limit ? { [param]: start, [limitParam]: limit } : { [param]: start };
  return { param, start, limit, firstQuery };
}
