import pg from 'pg';
import { pgEntityWrites } from './pg-entity-writes.js';
import { pgInbox } from './pg-inbox.js';
import { pgRuns, type Tx } from './pg-runs.js';
import { migratePostgres, schemaIsCurrent } from './pg-schema.js';
import { pgBatchUpserts } from './pg-upsert-batch.js';
import {
  ENTITY_COLUMNS,
  type EntityRow,
  EXPORT_PAGE,
  entityFromRow,
  isoNow,
  matchesSearch,
} from './shared.js';
import type { CatalogStore, ExportFilter, StoredEntity } from './types.js';

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
    if (!(await schemaIsCurrent((text) => pool.query(text)))) {
      await tx((c) => migratePostgres(c, name, mustExist));
    }
  } catch (e) {
    await pool.end();
    throw e;
  }

  return {
    ...pgRuns(pool, tx, now),
    upsertBatch: pgBatchUpserts((config) => pool.query(config), now),
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
