import type { PaginateSpec, Selector } from '../http/pagination/index.js';

/** One request chain to start: a request followed page by page. */
export interface ChainStart {
  method: string;
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  body?: unknown;
  /** The chain's `for` variables, bound by name in the mapping (`$org`). */
  vars: Record<string, unknown>;
  /** Identifies the chain across runs, for its incremental cursor (§5: kept per kind and per chain). */
  key: string;
}

/** How to read one kind; built from the manifest (§4), so the engine never sees YAML. */
export interface KindPlan {
  kind: string;
  /** Each record of this kind starts chains of this kind. */
  parent?: string;
  /** The chains to start, given the parent record when `parent` is set. */
  chains(parent?: Record<string, unknown>): ChainStart[];
  paginate: PaginateSpec;
  records?: Selector | string;
  maxItems?: number;
  /** Why this run reads only part of the kind (incremental, a window): its blueprints are not reconciled. */
  partial?: string;
  /** Stop each chain after this many records, with a warning. */
  maxItemsPerChain?: number;
  /** §5: the greatest `cursor` of the records read is kept per chain, stored once the kind completes. */
  incremental?: { cursor: (record: Record<string, unknown>) => unknown };
}

export interface SyncPlan {
  integration: string;
  kinds: KindPlan[];
}
