import pg from 'pg';
import { pgEntityWrites, TOMBSTONE_LOCK } from './pg-entity-writes.js';
import { pgInbox } from './pg-inbox.js';
import { drawSeq, pgRuns, type Tx } from './pg-runs.js';
import { migratePostgres } from './pg-schema.js';
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
import type { CatalogStore, Entity, ExportFilter, StoredEntity } from './types.js';
import { entityKey } from './write-order.js';

// A webhook's write newer than the run's start wins over the run's page (read before it, maybe stale).
const NOT_NEWER_DELIVERY = (start: string) =>
  `NOT (entities.write_seq > ${start} AND entities.written_by LIKE 'delivery:%')`;

const UPSERT = `
INSERT INTO entities (integration, blueprint, identifier, title, properties, relations, created_at, updated_at,
  content_hash, last_seen_run, seen_seq, written_by, written_at, write_seq)
SELECT $1, b, i, t, p, r, $2, $2, h, $3, $10::bigint, $12, $2, $10::bigint
FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) AS u(b, i, t, p, r, h)
ON CONFLICT (integration, blueprint, identifier) DO UPDATE SET
  title = EXCLUDED.title, properties = EXCLUDED.properties, relations = EXCLUDED.relations,
  updated_at = EXCLUDED.updated_at, content_hash = EXCLUDED.content_hash, last_seen_run = EXCLUDED.last_seen_run,
  seen_seq = EXCLUDED.seen_seq, written_by = EXCLUDED.written_by, written_at = EXCLUDED.written_at,
  write_seq = EXCLUDED.write_seq
WHERE entities.content_hash <> EXCLUDED.content_hash AND ${NOT_NEWER_DELIVERY('$11::bigint')}`;

// Rows just written carry this batch's seq already; what else matches is unchanged (so counted here).
const MARK_SEEN = `
UPDATE entities SET last_seen_run = $1, seen_seq = $5::bigint
WHERE integration = $2 AND seen_seq < $5::bigint AND ${NOT_NEWER_DELIVERY('$6::bigint')}
  AND (blueprint, identifier) IN (SELECT * FROM unnest($3::text[], $4::text[]))`;

/** The batch as the column arrays UPSERT unnests. */
function batchColumns(entities: Entity[]) {
  const titles = entities.map((e) => e.title);
  const properties = entities.map((e) => JSON.stringify(e.properties));
  const relations = entities.map((e) => JSON.stringify(e.relations));
  return {
    blueprints: entities.map((e) => e.blueprint),
    identifiers: entities.map((e) => e.identifier),
    titles,
    properties,
    relations,
    hashes: entities.map((_, i) => contentHash(titles[i] ?? null, properties[i] ?? '', relations[i] ?? '')),
  };
}

export interface PostgresOptions {
  now: () => number;
  mustExist: boolean;
}

/** Opens a PostgreSQL catalog (a `pg` pool), creating or migrating the tables if needed. */
export async function openPostgresCatalog(
  url: string,
  name: string,
  { now, mustExist }: PostgresOptions,
): Promise<CatalogStore> {
  // A bounded connect: an unreachable host fails the operation instead of hanging the sync.
  const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 10_000 });
  // An idle connection the server drops must not crash the process; the next query reports it.
  pool.on('error', () => {});

  const tx: Tx = async (fn) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  };

  try {
    await tx((c) => migratePostgres(c, name, mustExist));
  } catch (e) {
    await pool.end();
    throw e;
  }

  return {
    ...pgRuns(pool, tx, now),
    async upsertBatch(integration, runId, batch) {
      let entities = dedupe(batch);
      let cols = batchColumns(entities);
      return tx(async (c) => {
        // Shared: deletes of this integration wait for this batch, and this batch for them (TOMBSTONE_LOCK).
        await c.query('SELECT pg_advisory_xact_lock_shared($1, hashtext($2))', [TOMBSTONE_LOCK, integration]);
        const run = await c.query<{ start: string | null }>(
          'SELECT start_seq::text AS start FROM sync_runs WHERE id = $1',
          [runId],
        );
        if (run.rows[0] === undefined) throw new Error(`no run ${runId}`);
        const start = run.rows[0].start ?? '0';
        // Deleted by a delivery after the run started: the run's older read must not write them back.
        const gone = await c.query<{ blueprint: string; identifier: string }>(
          `SELECT blueprint, identifier FROM entity_versions
           WHERE integration = $1 AND deleted AND write_seq > $2::bigint`,
          [integration, start],
        );
        if (gone.rows.length > 0) {
          const deleted = new Set(gone.rows.map((t) => entityKey(t.blueprint, t.identifier)));
          entities = entities.filter((e) => !deleted.has(entityKey(e.blueprint, e.identifier)));
          cols = batchColumns(entities);
        }
        if (entities.length === 0) return { upserted: 0, unchanged: 0 };
        const seq = await drawSeq(c);
        const at = isoNow(now);
        const { blueprints, identifiers, titles, properties, relations, hashes } = cols;
        const written = await c.query(UPSERT, [
          integration,
          at,
          runId,
          blueprints,
          identifiers,
          titles,
          properties,
          relations,
          hashes,
          seq,
          start,
          `run:${runId}`,
        ]);
        const seen = await c.query(MARK_SEEN, [runId, integration, blueprints, identifiers, seq, start]);
        return { upserted: written.rowCount ?? 0, unchanged: seen.rowCount ?? 0 };
      });
    },
    ...pgEntityWrites(tx, now),
    ...pgInbox(pool, now),
    exportEntities(filter: ExportFilter = {}) {
      return exportPages(pool, filter);
    },
    async getState(integration, key) {
      const { rows } = await pool.query<{ value: string }>(
        'SELECT value FROM state WHERE integration = $1 AND key = $2',
        [integration, key],
      );
      const row = rows[0];
      return row === undefined ? undefined : JSON.parse(row.value);
    },
    async setState(integration, key, value) {
      await pool.query(
        `INSERT INTO state (integration, key, value, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (integration, key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
        [integration, key, JSON.stringify(value) ?? 'null', isoNow(now)],
      );
    },
    async close() {
      // Idempotent, as SQLite's: a second close (a finally after an explicit close) is not an error.
      if (!pool.ended) await pool.end();
    },
  };
}

/** Keyset pages (pg-cursor is not a dependency); each page is one short query. */
async function* exportPages(pool: pg.Pool, filter: ExportFilter): AsyncGenerator<StoredEntity> {
  const where: string[] = [];
  const params: string[] = [];
  if (filter.integration !== undefined) {
    params.push(filter.integration);
    where.push(`integration = $${params.length}`);
  }
  if (filter.blueprint !== undefined) {
    params.push(filter.blueprint);
    where.push(`blueprint = $${params.length}`);
  }
  const n = params.length;
  const sql = (conditions: string[]) =>
    `SELECT ${ENTITY_COLUMNS} FROM entities
     ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
     ORDER BY blueprint, identifier, integration LIMIT ${EXPORT_PAGE}`;
  const nextPage = sql([
    ...where,
    `(blueprint, identifier, integration) > ($${n + 1}, $${n + 2}, $${n + 3})`,
  ]);
  let { rows } = await pool.query<EntityRow>(sql(where), params);
  for (;;) {
    for (const row of rows) {
      if (matchesSearch(row, filter.search)) yield entityFromRow(row);
    }
    const last = rows.at(-1);
    if (last === undefined || rows.length < EXPORT_PAGE) return;
    ({ rows } = await pool.query<EntityRow>(nextPage, [
      ...params,
      last.blueprint,
      last.identifier,
      last.integration,
    ]));
  }
}
