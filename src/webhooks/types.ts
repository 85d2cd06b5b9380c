import type { CatalogStore } from '../catalog/index.js';
import type { Clock } from '../http/clock.js';
import type { Logger } from '../http/log.js';
import type { Mapper } from '../sync/engine.js';
import type { RecordFetcher } from './fetch-record.js';

/** What `events[].when`, `record`, `delete` and `order` see (jq over `{headers, body}`; header names lower-case). */
export interface WebhookDelivery {
  headers: Record<string, string>;
  body: unknown;
}

/** The first `events` entry whose `when` is true, evaluated against one delivery (one jq call). */
export interface MatchedEvent {
  /** Index of the `events` entry that matched. */
  index: number;
  kind: string;
  /** `record` applied to the delivery: the record to map (or, with a resource `get`, its reference). */
  record: unknown;
  /** `delete` was true: the mapped entities are deleted instead of upserted. */
  delete: boolean;
  /** `order` applied to the delivery, when the entry has one. */
  order?: string | number;
}

/** The manifest's `webhooks.events`, compiled once: `match` runs one jq program per delivery. */
export interface EventMatcher {
  match(delivery: WebhookDelivery): Promise<MatchedEvent | undefined>;
}

/** Counters the inbox applier reports to (the server's metrics implement it; tests may count). */
export interface ApplyMetrics {
  applied(kind: string, result: 'upserted' | 'deleted' | 'stale' | 'failed'): void;
  inbox(counts: { pending: number; dead: number }): void;
}

/** The running inbox applier: `wake()` after a delivery is stored; `stop()` finishes the entry in hand. */
export interface Applier {
  wake(): void;
  stop(): Promise<void>;
}

/** What the applier needs: the catalog's inbox and single-entity API, the events, a logger. */
export interface ApplierDeps {
  integration: string;
  store: CatalogStore;
  events: EventMatcher;
  logger?: Logger;
  metrics?: ApplyMetrics;
  /** The integration's mapper (`Integration.mapper`): maps the event's record with the kind's mapping. */
  mapper: Pick<Mapper, 'mapPage'>;
  /** Reads full records for kinds with a resource `get` (recordFetcher over `Integration.connect()`). */
  fetcher?: RecordFetcher;
  /** @default systemClock (tests pass a VirtualClock, and the same `now` to openCatalog) */
  clock?: Clock;
  /** Scrubs secrets from an entry's stored error (the client's `redactor.text`). @default none */
  redact?: (text: string) => string;
}
