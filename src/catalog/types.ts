/** One catalog entry as produced by a mapping: the unit a sync writes. */
export interface Entity {
  blueprint: string;
  identifier: string;
  title: string | null;
  properties: Record<string, unknown>;
  relations: Record<string, unknown>;
}

/** An entity read back from the catalog, with the integration that owns it and its ISO 8601 UTC timestamps. */
export interface StoredEntity extends Entity {
  integration: string;
  createdAt: string;
  updatedAt: string;
  /** Who last changed its content: `run:<id>` or `delivery:<id>` (a webhook). */
  writtenBy: string | null;
}

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'aborted';

/** The counts of a run's summary table (`sync_runs` columns of the same names). */
export interface RunCounts {
  requests: number;
  retries: number;
  records: number;
  upserted: number;
  unchanged: number;
  deleted: number;
  skipped: number;
}

/** How one kind of a run ended; `partial` kinds stored what they read but reconcile nothing. */
export type KindStatus = 'succeeded' | 'partial' | 'failed' | 'aborted' | 'skipped';

/** One kind's outcome, stored with its run (`sync_runs.kind_results`, JSON). */
export interface KindResult extends RunCounts {
  kind: string;
  status: KindStatus;
  /** Why the kind is partial (`maxPages (3) reached on /items`, `read incrementally` …). */
  reason?: string;
  /** The stable code of the error that failed the kind (`E_AUTH` …). */
  errorCode?: string;
  /** The failure's one-line, redacted message. */
  errorMessage?: string;
  durationMs: number;
}

/** Everything `finishRun` stores about how a run ended. */
export interface RunOutcome {
  status: Exclude<RunStatus, 'running'>;
  counts: RunCounts;
  detail?: string;
  kinds?: KindResult[];
  /** The first failure's stable code and one-line message, when the run failed. */
  errorCode?: string;
  errorMessage?: string;
}

/** A row of `sync_runs`. */
export interface RunRecord {
  id: number;
  integration: string;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  kinds: string[];
  counts: RunCounts;
  detail: string | null;
  /** Per-kind outcome; empty for runs stored before schema version 2. */
  kindResults: KindResult[];
  errorCode: string | null;
  errorMessage: string | null;
  /** `pid@host` of the process that held the run's lease. */
  holder: string | null;
}

/** The process holding (or asking for) an integration's run lease. */
export interface LeaseHolder {
  pid: number;
  host: string;
}

/** The lease row of an integration: one live run at a time per catalog. */
export interface LeaseInfo {
  integration: string;
  runId: number;
  holder: LeaseHolder;
  /** ISO 8601 of the last heartbeat. */
  heartbeatAt: string;
  /** ISO 8601 after which another process may take the lease over. */
  expiresAt: string;
}

export interface LeaseOptions {
  holder: LeaseHolder;
  /** A lease whose heartbeat is older than this is taken over (its run marked aborted). @default 60000 */
  ttlMs?: number;
  /**
   * True when the current holder is known to be dead (same host, no such pid): taken over at once
   * instead of after the TTL. Called inside the start transaction.
   */
  isDead?: (holder: LeaseHolder) => boolean;
}

/** `startRun`'s answer: the new run, or the live run holding the lease. */
export type RunStart =
  | { ok: true; runId: number; startedAt: string; tookOver?: LeaseInfo }
  | { ok: false; lease: LeaseInfo };

/** Who writes outside a run: a webhook delivery (`delivery:<id>` is stored as the writer). */
export interface Writer {
  delivery: string;
  /**
   * The delivery's order value (`events[].order`, e.g. `updated_at`). A write whose order is older than
   * the last one applied to the same entity (blueprint, identifier) is refused as `stale` and changes
   * nothing. Two numbers compare numerically, anything else as strings (ISO 8601 sorts). Without it the
   * write applies (arrival order).
   */
  order?: string | number;
}

/** What a single-entity write did: `stale` when its `order` was older than the entity's last one. */
export interface DeliveryWrite {
  changed: boolean;
  stale: boolean;
}

/** An inbox entry's state: `pending` until applied, skipped as `stale`, or `dead` after its last try. */
export type InboxStatus = 'pending' | 'applied' | 'stale' | 'dead';

/** A verified webhook delivery to store (table `webhook_inbox`). */
export interface NewDelivery {
  /** The provider's delivery id (or the body's SHA-256): unique per integration. */
  deliveryId: string;
  kind: string;
  /** JSON text of `{ headers, body }` as received, minus credential headers (the signature, a shared secret). */
  body: string;
}

/** A row of `webhook_inbox`. */
export interface InboxEntry extends NewDelivery {
  id: number;
  integration: string;
  status: InboxStatus;
  /** Tries made so far. */
  attempts: number;
  lastError: string | null;
  /** ISO 8601 UTC. */
  receivedAt: string;
  appliedAt: string | null;
  /** When a failed entry is tried again (ISO 8601), null when due now or settled. */
  nextAttemptAt: string | null;
}

/** An entry `claimDeliveries` handed out, with the end of its claim (ISO 8601): the claim's token. */
export interface ClaimedEntry extends InboxEntry {
  claimedUntil: string;
}

/** How applying an inbox entry ended; `retry` puts it back to pending until `retryAt` (ms epoch). */
export type DeliveryOutcome =
  | { status: 'applied' | 'stale' }
  | { status: 'dead'; error: string }
  | { status: 'retry'; error: string; retryAt: number };

/**
 * The durable webhook inbox, in the catalog (SQLite and PostgreSQL alike). A delivery is committed
 * before `addDelivery` returns, so a process killed after the 2xx loses nothing (docs/webhooks.md);
 * on SQLite, the deliveries added within one event-loop turn are committed together (group commit).
 */
export interface WebhookInbox {
  /** Store a delivery; an id already in the inbox answers `duplicate: true` (its id) and stores nothing. */
  addDelivery(integration: string, delivery: NewDelivery): Promise<{ id: number; duplicate: boolean }>;
  /**
   * Claim up to `limit` due `pending` entries, oldest first, for `claimMs`: another process sharing the
   * catalog does not get them until the claim expires (a killed applier's entries come back).
   */
  claimDeliveries(integration: string, options: { limit: number; claimMs: number }): Promise<ClaimedEntry[]>;
  /** Record one try of an entry (attempts + 1) and its outcome; releases the claim. */
  settleDelivery(id: number, outcome: DeliveryOutcome): Promise<void>;
  /** `settleDelivery` for several entries, in one transaction. */
  settleDeliveries(settled: ReadonlyArray<{ id: number; outcome: DeliveryOutcome }>): Promise<void>;
  /**
   * Give back claimed entries not tried (an applier stopping): pending entries among `ids` whose claim
   * is still the one ending at `claimedUntil` are due again at once; how many were.
   */
  releaseDeliveries(ids: readonly number[], claimedUntil: string): Promise<number>;
  /** Newest first. @default limit 50 */
  listDeliveries(
    integration: string,
    filter?: { status?: InboxStatus; limit?: number },
  ): Promise<InboxEntry[]>;
  /** Put entries (by id, or every `dead` one) back to `pending` with 0 attempts; how many were. */
  retryDeliveries(integration: string, which: number[] | 'dead'): Promise<number>;
  inboxCounts(integration: string): Promise<{ pending: number; dead: number }>;
}

/** Narrows `exportEntities`; `search` is a case-insensitive substring of the identifier or title. */
export interface ExportFilter {
  integration?: string;
  blueprint?: string;
  search?: string;
}

/**
 * The catalog: entities, sync runs, leases and per-integration state, on SQLite or PostgreSQL with
 * the same tables. Deletion is decided by write order, not by "not this run": every write (a run's
 * page, a webhook's entity) takes the next value of one catalog-wide sequence, and a run may delete
 * only entities last written or seen before it started (docs: README "When is an entity deleted").
 */
export interface CatalogStore extends WebhookInbox {
  /**
   * Take the integration's lease and start a run, in one transaction. A live lease held by another
   * run answers `{ ok: false, lease }` and changes nothing; an expired one (or a dead holder's) is taken
   * over and its run marked `aborted`. A live run is never marked aborted by another.
   */
  startRun(integration: string, kinds: string[], lease: LeaseOptions): Promise<RunStart>;
  /** Extend the run's lease by its TTL. False when the lease was lost (taken over): stop, delete nothing. */
  heartbeat(runId: number): Promise<boolean>;
  /** The integration's lease row, live or expired, or undefined. */
  getLease(integration: string): Promise<LeaseInfo | undefined>;
  /**
   * One transaction: upsert the entities and mark them seen by `runId`. An entity whose content hash is
   * unchanged is not rewritten (`updated_at` untouched) but is marked seen. An entity written outside a
   * run (a webhook) after this run started is neither overwritten nor counted: it is newer.
   */
  upsertBatch(
    integration: string,
    runId: number,
    entities: Entity[],
  ): Promise<{ upserted: number; unchanged: number }>;
  /**
   * Delete entities of `blueprint` last written or seen before run `runId` started (so never one that
   * another run, a webhook or a worker wrote since), unless they exceed `threshold` (a share 0..1) of the
   * blueprint's entities: then delete nothing and return the reason in `refused`. Also refused when the
   * run no longer holds its lease.
   */
  deleteStale(
    integration: string,
    runId: number,
    blueprint: string,
    threshold: number,
  ): Promise<{ deleted: number; refused?: string }>;
  /**
   * Write one entity outside a run (a webhook). `changed` is false when the content was identical;
   * `stale` (nothing written) when `writer.order` is older than the entity's last applied order.
   */
  upsertEntity(integration: string, entity: Entity, writer: Writer): Promise<DeliveryWrite>;
  /**
   * Delete one entity outside a run, leaving a tombstone so that a run started before it does not
   * write the entity back from its older read. `changed` is false when it was not there.
   */
  deleteEntity(
    integration: string,
    blueprint: string,
    identifier: string,
    writer: Writer,
  ): Promise<DeliveryWrite>;
  /** Close the run with its outcome and release its lease (if it still holds it). */
  finishRun(runId: number, outcome: RunOutcome): Promise<void>;
  /** Newest first. @default limit 20 */
  listRuns(integration?: string, limit?: number): Promise<RunRecord[]>;
  /** Sorted by blueprint, identifier, then integration (byte order); streamed in pages. */
  exportEntities(filter?: ExportFilter): AsyncIterable<StoredEntity>;
  /** The JSON value stored under `key`, or `undefined`. */
  getState(integration: string, key: string): Promise<unknown>;
  setState(integration: string, key: string, value: unknown): Promise<void>;
  close(): Promise<void>;
}
