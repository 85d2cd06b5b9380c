import type { Paginator } from './page.js';

/**
 * `paginate: { type: none }`: the chain is the first page only.
 * @example readChain({ first, paginator: noPaginator(), fetchPage })
 */
export function noPaginator(): Paginator {
  return { first: (req) => req, next: () => null };
}
