import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { CatalogError } from '../errors/errors.js';
import {
  contentHash,
  dedupe,
  ENTITY_COLUMNS,
  type EntityRow,
  EXPORT_PAGE,
  entityFromRow,
  isoNow,
  matchesSearch,
} from './shared.js';
import { type Checkpointer, startCheckpointer } from './sqlite-checkpointer.js';
import { sqliteEntityWrites } from './sqlite-entity-writes.js';
import { sqliteInbox } from './sqlite-inbox.js';
import { sqliteRuns, sqliteSequence } from './sqlite-runs.js';
import { migrateSqlite } from './sqlite-schema.js';
import type { CatalogStore, Entity, ExportFilter, StoredEntity } from './types.js';
import { entityKey } from './write-order.js';

export interface SqliteOptions {
  now: () => number;
  mustExist: boolean;
  busyTimeoutMs: number;
  backgroundCheckpoints: boolean;
}

// A webhook's write newer than the run's start wins over the run's page (read before it, maybe stale).
const NOT_NEWER_DELIVERY = "NOT (entities.write_seq > ? AND substr(entities.written_by, 1, 9) = 'delivery:')";

/** Opens (creating if needed) a SQLite catalog at `path`: WAL, synchronous=NORMAL, one transaction per batch. */
export async function openSqliteCatalog(path: string, options: SqliteOptions): Promise<CatalogStore> {
  if (options.mustExist && !existsSync(path)) throw new CatalogError(`no catalog at ${path}`);
  const db = new Database(path, { fileMustExist: options.mustExist });
  try {
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a killed process loses no commit; a power loss or OS crash may lose the last
    // commits, never consistency (sqlite.org/pragma.html#pragma_synchronous, sqlite.org/wal.html).
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs))}`);
    migrateSqlite(db, path, options.mustExist);
    const checkpoints = options.backgroundCheckpoints ? await startCheckpointer(db, path) : undefined;
    return sqliteStore(db, options.now, checkpoints);
  } catch (e) {
    db.close();
    throw e;
  }
}

function sqliteStore(db: Database.Database, now: () => number, checkpoints?: Checkpointer): CatalogStore {
  const nextSeq = sqliteSequence(db);
  const runStart = db.prepare('SELECT start_seq FROM sync_runs WHERE id = ?').pluck();
  const upsert = db.prepare(`
    INSERT INTO entities (integration, blueprint, identifier, title, properties, relations, created_at,
      updated_at, content_hash, last_seen_run, seen_seq, written_by, written_at, write_seq)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (integration, blueprint, identifier) DO UPDATE SET
      title = excluded.title, properties = excluded.properties, relations = excluded.relations,
      updated_at = excluded.updated_at, content_hash = excluded.content_hash,
      last_seen_run = excluded.last_seen_run, seen_seq = excluded.seen_seq, written_by = excluded.written_by,
      written_at = excluded.written_at, write_seq = excluded.write_seq
    WHERE entities.content_hash <> excluded.content_hash AND ${NOT_NEWER_DELIVERY}`);
  const markSeen = db.prepare(`
    UPDATE entities SET last_seen_run = ?, seen_seq = ?
    WHERE integration = ? AND blueprint = ? AND identifier = ? AND ${NOT_NEWER_DELIVERY}`);
  // Deleted by a delivery after the run started: the run's older read must not write them back.
  const tombstones = db.prepare(`
    SELECT blueprint, identifier FROM entity_versions WHERE integration = ? AND deleted = 1 AND write_seq > ?`);
  const upsertAll = db.transaction((integration: string, run: number, batch: Entity[], at: string) => {
    const start = runStart.get(run) as number | null | undefined;
    if (start === undefined) throw new Error(`no run ${run}`);
    const gone = tombstones.all(integration, start ?? 0) as { blueprint: string; identifier: string }[];
    const deleted = new Set(gone.map((t) => entityKey(t.blueprint, t.identifier)));
    const entities =
      deleted.size === 0 ? batch : batch.filter((e) => !deleted.has(entityKey(e.blueprint, e.identifier)));
    const seq = nextSeq();
    const writer = `run:${run}`;
    let upserted = 0;
    let unchanged = 0;
    for (const e of entities) {
      const properties = JSON.stringify(e.properties);
      const relations = JSON.stringify(e.relations);
      const hash = contentHash(e.title, properties, relations);
      const { identifier, blueprint, title } = e;
      const written = upsert.run(
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
        seq,
        writer,
        at,
        seq,
        start ?? 0,
      ).changes;
      if (written > 0) upserted++;
      else unchanged += markSeen.run(run, seq, integration, blueprint, identifier, start ?? 0).changes;
    }
    return { upserted, unchanged };
  });

  const getState = db.prepare('SELECT value FROM state WHERE integration = ? AND key = ?');
  const setState = db.prepare(`
    INSERT INTO state (integration, key, value, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (integration, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`);

  const { flush: flushInbox, ...inbox } = sqliteInbox(db, now);
  return {
    ...sqliteRuns(db, now),
    async upsertBatch(integration, runId, entities) {
      return upsertAll.immediate(integration, runId, dedupe(entities), isoNow(now));
    },
    ...sqliteEntityWrites(db, now),
    ...inbox,
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
      // Deliveries queued for the next group commit are committed (and answered) first.
      flushInbox();
      await checkpoints?.stop();
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
    `SELECT ${ENTITY_COLUMNS} FROM entities
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
