import type { PaginateSpec, Selector } from '../http/pagination/index.js';
import type { ResourceSpec } from '../manifest/schema.js';

type Json = Record<string, unknown>;

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

/**
 * One kind as plain data (JSON-serialisable, so a coordinator can send it to a worker): the
 * manifest's resource with the settings it renders with, and what this run knows before reading.
 */
export interface KindPlanData {
  kind: string;
  parent?: string;
  resource: ResourceSpec;
  /** `maxItemsPerChain` rendered to a number. */
  maxItemsPerChain?: number;
  /** Why this run reads only part of the kind before any request (incremental, a window). */
  partial?: string;
  /** Stored incremental cursors by chain key (§5); absent on a full read. */
  cursors?: Json;
}

/** A sync plan as data: `compilePlan` turns it into the engine's plan. */
export interface PlanData {
  integration: string;
  /** Setting values the templates render with (secrets included: keep the plan where secrets may go). */
  config: Json;
  kinds: KindPlanData[];
}

/** How to read one kind; compiled from `KindPlanData`, so the engine never sees YAML. */
export interface KindPlan {
  kind: string;
  /** Each record of this kind starts chains of this kind. */
  parent?: string;
  /** The chains to start, given the parent record when `parent` is set. */
  chains(parent?: Json): ChainStart[];
  paginate: PaginateSpec;
  records?: Selector | string;
  maxItems?: number;
  /** Why this run reads only part of the kind (incremental, a window): its blueprints are not reconciled. */
  partial?: string;
  /** Stop each chain after this many records, with a warning (the kind is then partial). */
  maxItemsPerChain?: number;
  /** §5: the greatest `cursor` of the records read is kept per chain, stored once the kind completes. */
  incremental?: { cursor: (record: Json) => unknown };
}

export interface SyncPlan {
  integration: string;
  kinds: KindPlan[];
}
