import { ConfigError } from '../../errors/errors.js';
import { cursorPaginator } from './cursor.js';
import { linkPaginator } from './link.js';
import { nextUrlPaginator } from './next-url.js';
import { noPaginator } from './none.js';
import { offsetPaginator } from './offset.js';
import type { Paginator } from './page.js';
import { pagePaginator } from './page-number.js';
import { pathSelector, type Selector } from './selector.js';
import { optionalInteger } from './validate.js';

/** A selector as written in a manifest (a path such as `.next`) or already compiled. */
type SelectorSpec = string | Selector;

/** The manifest's `paginate` object (manifest §4). Every type also takes `maxPages` (default 10000). */
export type PaginateSpec = { maxPages?: number } & (
  | { type: 'none' }
  | { type: 'link'; rel?: string }
  | { type: 'nextUrl'; path: SelectorSpec }
  | { type: 'cursor'; param: string; path: SelectorSpec }
  | {
      type: 'offset';
      param: string;
      limitParam?: string;
      limit?: number;
      start?: number;
      total?: SelectorSpec;
    }
  | { type: 'page'; param: string; start?: number; limitParam?: string; limit?: number; last?: SelectorSpec }
);

type Fields = Record<string, unknown>;

interface Factory {
  fields: readonly string[];
  build(spec: Fields): Paginator;
}

// The one place that maps a type name to its paginator; everything else only sees `{ first, next }`.
const FACTORIES: Record<string, Factory> = {
  none: { fields: [], build: () => noPaginator() },
  link: { fields: ['rel'], build: (spec) => linkPaginator({ rel: spec.rel as string | undefined }) },
  nextUrl: { fields: ['path'], build: (spec) => nextUrlPaginator({ path: selector(spec, 'path') }) },
  cursor: {
    fields: ['param', 'path'],
    build: (spec) => cursorPaginator({ param: spec.param as string, path: selector(spec, 'path') }),
  },
  offset: {
    fields: ['param', 'limitParam', 'limit', 'start', 'total'],
    build: (spec) =>
      offsetPaginator({
        param: spec.param as string,
        limitParam: spec.limitParam as string | undefined,
        limit: spec.limit as number | undefined,
        start: spec.start as number | undefined,
        total: optionalSelector(spec, 'total'),
      }),
  },
  page: {
    fields: ['param', 'start', 'limitParam', 'limit', 'last'],
    build: (spec) =>
      pagePaginator({
        param: spec.param as string,
        start: spec.start as number | undefined,
        limitParam: spec.limitParam as string | undefined,
        limit: spec.limit as number | undefined,
        last: optionalSelector(spec, 'last'),
      }),
  },
};

/**
 * Build a paginator from a manifest `paginate` object; selector fields may be paths or functions.
 * Field values are checked here (ConfigError naming `paginate.<field>`), before any request.
 * @default spec { type: 'none' }
 * @example createPaginator({ type: 'cursor', param: 'after', path: '.meta.next_cursor' })
 */
export function createPaginator(spec: PaginateSpec = { type: 'none' }): Paginator {
  const fields = spec as unknown as Fields;
  const type = fields.type;
  const factory = typeof type === 'string' && Object.hasOwn(FACTORIES, type) ? FACTORIES[type] : undefined;
  if (!factory) {
    throw new ConfigError(
      `paginate.type must be one of ${Object.keys(FACTORIES).join(', ')}, got ${JSON.stringify(type)}`,
    );
  }
  for (const name of Object.keys(fields)) {
    if (name !== 'type' && name !== 'maxPages' && !factory.fields.includes(name)) {
      const valid = ['maxPages', ...factory.fields].join(', ');
      throw new ConfigError(`paginate.${name} is not a field of paginate type ${type} (fields: ${valid})`);
    }
  }
  const maxPages = optionalInteger(fields.maxPages, 'maxPages', 1);
  const paginator = factory.build(fields);
  return maxPages === undefined ? paginator : { ...paginator, maxPages };
}

function selector(spec: Fields, field: string): Selector {
  const value = spec[field];
  if (value === undefined)
    throw new ConfigError(`paginate.${field} is required for paginate type ${spec.type}`);
  return toSelector(value, field);
}

function optionalSelector(spec: Fields, field: string): Selector | undefined {
  return spec[field] === undefined ? undefined : toSelector(spec[field], field);
}

function toSelector(value: unknown, field: string): Selector {
  if (typeof value === 'function') return value as Selector;
  if (typeof value !== 'string') {
    throw new ConfigError(`paginate.${field} must be a selector such as ".next", got ${typeof value}`);
  }
  try {
    return pathSelector(value);
  } catch (error) {
    throw new ConfigError(`paginate.${field}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}
