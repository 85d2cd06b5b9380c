/**
 * `upsertBatch` on PostgreSQL in three round trips (it was nine): one simple query opens the
 * transaction, takes the locks and reads the run's start and this write's seq; one statement
 * upserts, skips tombstoned entities and marks the unchanged ones seen; then COMMIT. Round trips,
 * not rows, bound a run that writes many small pages (bench/workers, docs/performance.md).
 */
import type pg from 'pg';
import { TOMBSTONE_LOCK } from './pg-entity-writes.js';
import { SEQ_LOCK } from './pg-runs.js';
import { contentHash, dedupe, isoNow } from './shared.js';
import type { Entity } from './types.js';

// A webhook's write newer than the run's start wins over the run's page (read before it, maybe stale).
const NOT_NEWER_DELIVERY = `NOT (entities.write_seq > $11::bigint AND entities.written_by LIKE 'delivery:%')`;

/**
 * $1 integration, $2 now, $3 run id, $4–$9 the columns, $10 this write's seq, $11 the run's start,
 * $12 written_by. `batch` drops entities a delivery deleted after the run started (their tombstone is
 * newer than the run's read); `seen` marks what matched but was not rewritten (unchanged) as seen by
 * this run. Both CTEs see one snapshot, so `seen` leaves out the rows `written` touched.
 */
const UPSERT_BATCH = `
WITH batch AS (
  SELECT * FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) AS u(b, i, t, p, r, h)
  WHERE NOT EXISTS (SELECT 1 FROM entity_versions v WHERE v.integration = $1 AND v.blueprint = u.b
    AND v.identifier = u.i AND v.deleted AND v.write_seq > $11::bigint)
), written AS (
  INSERT INTO entities (integration, blueprint, identifier, title, properties, relations, created_at, updated_at,
    content_hash, last_seen_run, seen_seq, written_by, written_at, write_seq)
  SELECT $1, b, i, t, p, r, $2, $2, h, $3, $10::bigint, $12, $2, $10::bigint FROM batch
  ON CONFLICT (integration, blueprint, identifier) DO UPDATE SET
    title = EXCLUDED.title, properties = EXCLUDED.properties, relations = EXCLUDED.relations,
    updated_at = EXCLUDED.updated_at, content_hash = EXCLUDED.content_hash, last_seen_run = EXCLUDED.last_seen_run,
    seen_seq = EXCLUDED.seen_seq, written_by = EXCLUDED.written_by, written_at = EXCLUDED.written_at,
    write_seq = EXCLUDED.write_seq
  WHERE entities.content_hash <> EXCLUDED.content_hash AND ${NOT_NEWER_DELIVERY}
  RETURNING blueprint, identifier
), seen AS (
  UPDATE entities SET last_seen_run = $3, seen_seq = $10::bigint FROM batch
  WHERE entities.integration = $1 AND entities.blueprint = batch.b AND entities.identifier = batch.i
    AND entities.seen_seq < $10::bigint AND ${NOT_NEWER_DELIVERY}
    AND NOT EXISTS (SELECT 1 FROM written w WHERE w.blueprint = batch.b AND w.identifier = batch.i)
  RETURNING 1
)
SELECT (SELECT count(*) FROM written)::int AS upserted, (SELECT count(*) FROM seen)::int AS unchanged`;

/** The batch as the column arrays UPSERT_BATCH unnests. */
function batchColumns(entities: Entity[]) {
  const titles = entities.map((e) => e.title);
  const properties = entities.map((e) => JSON.stringify(e.properties));
  const relations = entities.map((e) => JSON.stringify(e.relations));
  return [
    entities.map((e) => e.blueprint),
    entities.map((e) => e.identifier),
    titles,
    properties,
    relations,
    entities.map((_, i) => contentHash(titles[i] ?? null, properties[i] ?? '', relations[i] ?? '')),
  ];
}

/**
 * The prelude, as one simple query (several statements, so literals, not parameters). Lock order as
 * everywhere (pg-entity-writes.ts): TOMBSTONE shared (deletes of this integration wait for this batch),
 * then SEQ_LOCK shared before drawing the seq (startRun takes it exclusively). The run is read after
 * both locks, in its own statement, so it sees every delete committed before them.
 */
function prelude(c: pg.PoolClient, integration: string, runId: number): string {
  if (!Number.isSafeInteger(runId)) throw new Error(`no run ${runId}`);
  return [
    'BEGIN',
    `SELECT pg_advisory_xact_lock_shared(${TOMBSTONE_LOCK}, hashtext(${c.escapeLiteral(integration)}))`,
    `SELECT pg_advisory_xact_lock_shared(${SEQ_LOCK})`,
    `SELECT COALESCE(start_seq, 0)::text AS start, nextval('catalog_seq')::text AS seq FROM sync_runs WHERE id = ${runId}`,
  ].join('; ');
}

/** Upsert a run's page of entities and mark it seen, in one transaction of three round trips. */
export async function upsertBatchPg(
  pool: pg.Pool,
  now: () => number,
  integration: string,
  runId: number,
  batch: Entity[],
): Promise<{ upserted: number; unchanged: number }> {
  const entities = dedupe(batch);
  const c = await pool.connect();
  try {
    const results = (await c.query(prelude(c, integration, runId))) as unknown as pg.QueryResult[];
    const run = results.at(-1)?.rows[0] as { start: string; seq: string } | undefined;
    if (run === undefined) throw new Error(`no run ${runId}`);
    if (entities.length === 0) {
      await c.query('COMMIT');
      return { upserted: 0, unchanged: 0 };
    }
    const at = isoNow(now);
    // Named: each pooled connection parses and plans it once, not per page (about half its cost).
    const { rows } = await c.query<{ upserted: number; unchanged: number }>({
      name: 'inlet_upsert_batch',
      text: UPSERT_BATCH,
      values: [integration, at, runId, ...batchColumns(entities), run.seq, run.start, `run:${runId}`],
    });
    await c.query('COMMIT');
    return { upserted: rows[0]?.upserted ?? 0, unchanged: rows[0]?.unchanged ?? 0 };
  } catch (e) {
    await c.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    c.release();
  }
}
