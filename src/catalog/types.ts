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
}

/** Narrows `exportEntities`; `search` is a case-insensitive substring of the identifier or title. */
export interface ExportFilter {
  integration?: string;
  blueprint?: string;
  search?: string;
}

/** The catalog: entities, sync runs and per-integration state, on SQLite or PostgreSQL with the same tables. */
export interface CatalogStore {
  /** Start a run; also marks any earlier run of this integration still 'running' (killed) as 'aborted'. */
  startRun(integration: string, kinds: string[]): Promise<number>;
  /**
   * One transaction: upsert the entities and mark them seen by `runId`. An entity whose content hash is
   * unchanged is not rewritten (`updated_at` untouched) but is marked seen.
   */
  upsertBatch(
    integration: string,
    runId: number,
    entities: Entity[],
  ): Promise<{ upserted: number; unchanged: number }>;
  /**
   * Delete entities of `blueprint` not seen by `runId`, unless they exceed `threshold` (a share 0..1) of the
   * blueprint's entities: then delete nothing and return the reason in `refused`.
   */
  deleteStale(
    integration: string,
    runId: number,
    blueprint: string,
    threshold: number,
  ): Promise<{ deleted: number; refused?: string }>;
  finishRun(runId: number, status: RunStatus, counts: RunCounts, detail?: string): Promise<void>;
  /** Newest first. @default limit 20 */
  listRuns(integration?: string, limit?: number): Promise<RunRecord[]>;
  /** Sorted by blueprint, identifier, then integration (byte order); streamed in pages. */
  exportEntities(filter?: ExportFilter): AsyncIterable<StoredEntity>;
  /** The JSON value stored under `key`, or `undefined`. */
  getState(integration: string, key: string): Promise<unknown>;
  setState(integration: string, key: string, value: unknown): Promise<void>;
  close(): Promise<void>;
}
