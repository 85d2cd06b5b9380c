import Database from 'better-sqlite3';
import {
  ABORTED_DETAIL,
  contentHash,
  DEFAULT_RUN_LIMIT,
  dedupe,
  type EntityRow,
  EXPORT_PAGE,
  entityFromRow,
  isoNow,
  matchesSearch,
  type RunRow,
  refusal,
  runFromRow,
} from './shared.js';
import type { CatalogStore, Entity, ExportFilter, RunCounts, RunStatus, StoredEntity } from './types.js';

/** Bumped when the schema changes; stored in `PRAGMA user_version`. */
const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS entities (
  integration TEXT NOT NULL,
  blueprint TEXT NOT NULL,
  identifier TEXT NOT NULL,
  title TEXT,
  properties TEXT NOT NULL,
  relations TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  last_seen_run INTEGER,
  -- Unique on (integration, blueprint, identifier) as the contract says, declared in export order so
  -- the one index serves both the upsert's conflict check and sorted exports (one B-tree less per write).
  UNIQUE (blueprint, identifier, integration)
);
CREATE TABLE IF NOT EXISTS sync_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  integration TEXT NOT NULL,
  status TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  requests INTEGER NOT NULL DEFAULT 0,
  retries INTEGER NOT NULL DEFAULT 0,
  records INTEGER NOT NULL DEFAULT 0,
  upserted INTEGER NOT NULL DEFAULT 0,
  unchanged INTEGER NOT NULL DEFAULT 0,
  deleted INTEGER NOT NULL DEFAULT 0,
  skipped INTEGER NOT NULL DEFAULT 0,
  kinds TEXT NOT NULL,
  detail TEXT
);
CREATE INDEX IF NOT EXISTS sync_runs_by_integration ON sync_runs (integration, status);
CREATE TABLE IF NOT EXISTS state (
  integration TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (integration, key)
);
`;

/** Opens (creating if needed) a SQLite catalog at `path`: WAL, synchronous=NORMAL, one transaction per batch. */
export function openSqliteCatalog(path: string, now: () => number): CatalogStore {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a crash loses at most the last commits, never consistency (sqlite.org/wal.html).
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    db.close();
    throw new Error(
      `catalog ${path} has schema version ${version}; this inlet supports up to ${SCHEMA_VERSION}`,
    );
  }
  db.exec(SCHEMA);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);

  const upsert = db.prepare(`
    INSERT INTO entities
      (integration, blueprint, identifier, title, properties, relations, created_at, updated_at, content_hash, last_seen_run)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (integration, blueprint, identifier) DO UPDATE SET
      title = excluded.title, properties = excluded.properties, relations = excluded.relations,
      updated_at = excluded.updated_at, content_hash = excluded.content_hash, last_seen_run = excluded.last_seen_run
    WHERE entities.content_hash <> excluded.content_hash`);
  const markSeen = db.prepare(
    'UPDATE entities SET last_seen_run = ? WHERE integration = ? AND blueprint = ? AND identifier = ?',
  );
  const upsertAll = db.transaction((integration: string, run: number, entities: Entity[], at: string) => {
    let upserted = 0;
    for (const e of entities) {
      const properties = JSON.stringify(e.properties);
      const relations = JSON.stringify(e.relations);
      const hash = contentHash(e.title, properties, relations);
      const { identifier, blueprint, title } = e;
      const changed = upsert.run(
        integration,
        blueprint,
        identifier,
        title,
        properties,
        relations,
        at,
        at,
        hash,
        run,
      ).changes;
      if (changed > 0) upserted++;
      else markSeen.run(run, integration, e.blueprint, e.identifier);
    }
    return { upserted, unchanged: entities.length - upserted };
  });

  const abortRunning = db.prepare(
    "UPDATE sync_runs SET status = 'aborted', finished_at = ?, detail = ? WHERE integration = ? AND status = 'running'",
  );
  const insertRun = db.prepare(
    "INSERT INTO sync_runs (integration, status, started_at, kinds) VALUES (?, 'running', ?, ?) RETURNING id",
  );
  const startRun = db.transaction((integration: string, kinds: string[], at: string) => {
    abortRunning.run(at, ABORTED_DETAIL, integration);
    return (insertRun.get(integration, at, JSON.stringify(kinds)) as { id: number }).id;
  });

  const countAll = db.prepare('SELECT count(*) AS n FROM entities WHERE integration = ? AND blueprint = ?');
  const countStale = db.prepare(
    'SELECT count(*) AS n FROM entities WHERE integration = ? AND blueprint = ? AND last_seen_run IS NOT ?',
  );
  const deleteStaleRows = db.prepare(
    'DELETE FROM entities WHERE integration = ? AND blueprint = ? AND last_seen_run IS NOT ?',
  );
  const deleteStale = db.transaction(
    (integration: string, run: number, blueprint: string, threshold: number) => {
      const total = (countAll.get(integration, blueprint) as { n: number }).n;
      const stale = (countStale.get(integration, blueprint, run) as { n: number }).n;
      const refused = refusal(blueprint, stale, total, threshold);
      if (refused) return { deleted: 0, refused };
      return { deleted: deleteStaleRows.run(integration, blueprint, run).changes };
    },
  );

  const finish = db.prepare(`
    UPDATE sync_runs SET status = @status, finished_at = @at, requests = @requests, retries = @retries,
      records = @records, upserted = @upserted, unchanged = @unchanged, deleted = @deleted, skipped = @skipped,
      detail = @detail
    WHERE id = @id`);
  const getState = db.prepare('SELECT value FROM state WHERE integration = ? AND key = ?');
  const setState = db.prepare(`
    INSERT INTO state (integration, key, value, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (integration, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`);

  return {
    async startRun(integration, kinds) {
      return startRun(integration, kinds, isoNow(now));
    },
    async upsertBatch(integration, runId, entities) {
      return upsertAll(integration, runId, dedupe(entities), isoNow(now));
    },
    async deleteStale(integration, runId, blueprint, threshold) {
      return deleteStale(integration, runId, blueprint, threshold);
    },
    async finishRun(runId: number, status: RunStatus, counts: RunCounts, detail?: string) {
      finish.run({ ...counts, id: runId, status, at: isoNow(now), detail: detail ?? null });
    },
    async listRuns(integration, limit = DEFAULT_RUN_LIMIT) {
      const rows = (
        integration === undefined
          ? db.prepare('SELECT * FROM sync_runs ORDER BY id DESC LIMIT ?').all(limit)
          : db
              .prepare('SELECT * FROM sync_runs WHERE integration = ? ORDER BY id DESC LIMIT ?')
              .all(integration, limit)
      ) as RunRow[];
      return rows.map(runFromRow);
    },
    exportEntities(filter: ExportFilter = {}) {
      return exportPages(db, filter);
    },
    async getState(integration, key) {
      const row = getState.get(integration, key) as { value: string } | undefined;
      return row === undefined ? undefined : JSON.parse(row.value);
    },
    async setState(integration, key, value) {
      setState.run(integration, key, JSON.stringify(value) ?? 'null', isoNow(now));
    },
    async close() {
      db.close();
    },
  };
}

/** Keyset pages rather than one open cursor, so writes on the same connection may interleave with an export. */
async function* exportPages(db: Database.Database, filter: ExportFilter): AsyncGenerator<StoredEntity> {
  const where: string[] = [];
  const params: string[] = [];
  if (filter.integration !== undefined) {
    where.push('integration = ?');
    params.push(filter.integration);
  }
  if (filter.blueprint !== undefined) {
    where.push('blueprint = ?');
    params.push(filter.blueprint);
  }
  const sql = (conditions: string[]) =>
    `SELECT integration, blueprint, identifier, title, properties, relations, created_at, updated_at FROM entities
     ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
     ORDER BY blueprint, identifier, integration LIMIT ${EXPORT_PAGE}`;
  const firstPage = db.prepare(sql(where));
  const nextPage = db.prepare(sql([...where, '(blueprint, identifier, integration) > (?, ?, ?)']));
  let rows = firstPage.all(...params) as EntityRow[];
  for (;;) {
    for (const row of rows) {
      if (matchesSearch(row, filter.search)) yield entityFromRow(row);
    }
    const last = rows.at(-1);
    if (last === undefined || rows.length < EXPORT_PAGE) return;
    rows = nextPage.all(...params, last.blueprint, last.identifier, last.integration) as EntityRow[];
  }
}
