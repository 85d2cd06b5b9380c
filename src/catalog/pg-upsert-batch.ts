/**
 * `upsertBatch` on PostgreSQL: one round trip (it was three, and nine before) for all the pages of a
 * run that arrive together (group commit). The statement calls `inlet_upsert_batch`, a PL/pgSQL
 * function the schema creates (version 5): it takes the locks, reads the run's start and draws this
 * write's seq, then upserts, skips tombstoned entities and marks the unchanged ones seen, all in the
 * statement's own transaction. Round trips, not rows, bound a run of many small pages: each one wakes
 * a backend and a worker on a shared machine (bench/workers, docs/performance.md).
 */
import type pg from 'pg';
import { TOMBSTONE_LOCK } from './pg-entity-writes.js';
import { SEQ_LOCK } from './pg-runs.js';
import { contentHash, dedupe, isoNow } from './shared.js';
import type { Entity } from './types.js';
import { entityKey } from './write-order.js';

// A webhook's write newer than the run's start wins over the run's page (read before it, maybe stale).
const NOT_NEWER_DELIVERY = `NOT (entities.write_seq > v_start AND entities.written_by LIKE 'delivery:%')`;

// Content columns change only with the content; the run's marks (seen) change for every row matched.
const CHANGED = 'entities.content_hash <> EXCLUDED.content_hash';
const ifChanged = (column: string) =>
  `${column} = CASE WHEN ${CHANGED} THEN EXCLUDED.${column} ELSE entities.${column} END`;

/**
 * The function (schema version 5; `CREATE OR REPLACE`, so a migration may run it again). Lock order as
 * everywhere (pg-entity-writes.ts): TOMBSTONE shared (deletes of this integration wait for this batch),
 * then SEQ_LOCK shared before drawing the seq (startRun takes it exclusively). A VOLATILE PL/pgSQL
 * function takes a new snapshot per statement under READ COMMITTED (PostgreSQL docs, "Function
 * Volatility Categories"), so the run is read after both locks and sees every delete committed before
 * them, as the separate statements of the three-round-trip transaction did. The tombstone filter drops
 * entities a delivery deleted after the run started (their tombstone is newer than the run's read).
 * One INSERT … ON CONFLICT both rewrites what changed and marks the unchanged rows seen by this run:
 * the arbiter index finds each row, whatever the planner believes of the table's size (a separate
 * UPDATE … FROM joined the whole integration per write while the statistics of a growing catalog
 * lagged, so a first sync's writes slowed with every page). `rewritten`: the row was written (its
 * write_seq is this write's own), else only marked seen.
 */
export const UPSERT_FUNCTION = `
CREATE OR REPLACE FUNCTION inlet_upsert_batch(p_integration text, p_now text, p_run integer,
  p_b text[], p_i text[], p_t text[], p_p text[], p_r text[], p_h text[])
RETURNS TABLE (rewritten boolean, out_blueprint text, out_identifier text)
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  v_start bigint;
  v_seq bigint;
BEGIN
  PERFORM pg_advisory_xact_lock_shared(${TOMBSTONE_LOCK}, hashtext(p_integration));
  PERFORM pg_advisory_xact_lock_shared(${SEQ_LOCK});
  SELECT COALESCE(start_seq, 0), nextval('catalog_seq') INTO v_start, v_seq FROM sync_runs WHERE id = p_run;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no run %', p_run USING ERRCODE = 'no_data_found';
  END IF;
  RETURN QUERY
  INSERT INTO entities (integration, blueprint, identifier, title, properties, relations, created_at, updated_at,
    content_hash, last_seen_run, seen_seq, written_by, written_at, write_seq)
  SELECT p_integration, u.b, u.i, u.t, u.p, u.r, p_now, p_now, u.h, p_run, v_seq, 'run:' || p_run, p_now, v_seq
  FROM unnest(p_b, p_i, p_t, p_p, p_r, p_h) AS u(b, i, t, p, r, h)
  WHERE NOT EXISTS (SELECT 1 FROM entity_versions v WHERE v.integration = p_integration AND v.blueprint = u.b
    AND v.identifier = u.i AND v.deleted AND v.write_seq > v_start)
  ON CONFLICT (integration, blueprint, identifier) DO UPDATE SET
    ${['title', 'properties', 'relations', 'updated_at', 'written_by', 'written_at', 'write_seq'].map(ifChanged).join(',\n    ')},
    content_hash = EXCLUDED.content_hash, last_seen_run = EXCLUDED.last_seen_run, seen_seq = EXCLUDED.seen_seq
  WHERE ${NOT_NEWER_DELIVERY} AND (${CHANGED} OR entities.seen_seq < v_seq)
  RETURNING entities.write_seq = v_seq, entities.blueprint::text, entities.identifier::text;
END
$fn$;`;

const UPSERT_CALL =
  'SELECT rewritten AS w, out_blueprint AS b, out_identifier AS i FROM inlet_upsert_batch($1, $2, $3, $4, $5, $6, $7, $8, $9)';

/** The batch as the column arrays the function unnests. */
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

/** Of each entity written or marked seen (the rest were tombstoned or newer from a delivery): was it rewritten. */
type Outcome = Map<string, boolean>;

const keyOf = (e: { blueprint: string; identifier: string }) => entityKey(e.blueprint, e.identifier);

/** One statement on a pooled connection (`pool.query`). */
export type Query = <R extends pg.QueryResultRow>(config: pg.QueryConfig) => Promise<pg.QueryResult<R>>;

/** Upsert a run's entities and mark them seen: one statement, one round trip, its own transaction. */
async function writeBatch(
  query: Query,
  now: () => number,
  integration: string,
  runId: number,
  entities: Entity[],
): Promise<Outcome> {
  if (!Number.isSafeInteger(runId)) throw new Error(`no run ${runId}`);
  const outcome: Outcome = new Map();
  // Named: each pooled connection parses and plans it once, not per page; PL/pgSQL caches the plans
  // of the function's own statements per connection too.
  const { rows } = await query<{ w: boolean; b: string; i: string }>({
    name: 'inlet_upsert_fn',
    text: UPSERT_CALL,
    values: [integration, isoNow(now), runId, ...batchColumns(entities)],
  });
  for (const row of rows) outcome.set(entityKey(row.b, row.i), row.w);
  return outcome;
}

interface Call {
  entities: Entity[];
  resolve(counts: Counts): void;
  reject(error: unknown): void;
}
type Counts = { upserted: number; unchanged: number };

/** Pages merged into one write share no entity (drain), so each entity's outcome is its own page's count. */
function countsOf(calls: Call[], outcome: Outcome): Counts[] {
  return calls.map((call) => {
    const counts = { upserted: 0, unchanged: 0 };
    for (const e of call.entities) {
      const written = outcome.get(keyOf(e));
      if (written === undefined) continue;
      if (written) counts.upserted++;
      else counts.unchanged++;
    }
    return counts;
  });
}

/**
 * `upsertBatch` for a pool: pages of one run that arrive while its last write is in flight go
 * together in the next transaction (group commit), up to `maxEntities`, so a run of many small pages
 * (3 pull requests each) costs a few hundred transactions, not one per page. A page repeating an
 * entity of the pages merged before it starts the next write. A merged write that fails
 * is written again page by page, so each page gets its own outcome.
 */
export function pgBatchUpserts(query: Query, now: () => number, maxEntities = 1000) {
  const queues = new Map<string, Call[]>();

  const settle = async (integration: string, runId: number, calls: Call[]) => {
    try {
      const outcome = await writeBatch(
        query,
        now,
        integration,
        runId,
        calls.flatMap((c) => c.entities),
      );
      const counts = countsOf(calls, outcome);
      for (const [n, call] of calls.entries()) call.resolve(counts[n]!);
    } catch (error) {
      if (calls.length === 1) return calls[0]!.reject(error);
      for (const call of calls) await settle(integration, runId, [call]);
    }
  };

  const drain = async (key: string, integration: string, runId: number) => {
    for (let queue = queues.get(key); queue && queue.length > 0; queue = queues.get(key)) {
      let size = 0;
      let n = 0;
      // A page repeating an entity of the merged ones waits for the next write: its counts need the first copy stored.
      const merged = new Set<string>();
      while (n < queue.length && (n === 0 || size + queue[n]!.entities.length <= maxEntities)) {
        const keys = queue[n]!.entities.map(keyOf);
        if (n > 0 && keys.some((k) => merged.has(k))) break;
        for (const k of keys) merged.add(k);
        size += keys.length;
        n++;
      }
      await settle(integration, runId, queue.splice(0, n));
    }
    queues.delete(key);
  };

  return (integration: string, runId: number, batch: Entity[]): Promise<Counts> =>
    new Promise<Counts>((resolve, reject) => {
      const key = `${integration}\u0000${runId}`;
      const queue = queues.get(key);
      const call = { entities: dedupe(batch), resolve, reject };
      if (queue) queue.push(call);
      else {
        queues.set(key, [call]);
        void drain(key, integration, runId);
      }
    });
}
