/** Pagination (manifest §4): paginators turn a page into the next request; readChain drives them. */

export { createPaginator, type PaginateSpec } from './create-paginator.js';
export type { Page, PageRequest, Paginator } from './page.js';
export { type ChainEnd, readChain } from './read-chain.js';
export type { Selector } from './selector.js';
