/**
 * `upsertBatch` on PostgreSQL: one transaction of three round trips (it was nine) for all the pages of
 * a run that arrive together (group commit). One simple query opens the transaction, takes the locks
 * and reads the run's start and this write's seq; one INSERT … ON CONFLICT upserts, skips tombstoned
 * entities and marks the unchanged ones seen; then COMMIT. Round trips, not rows, bound a run of many
 * small pages (bench/workers, docs/performance.md).
 */
import type pg from 'pg';
import { TOMBSTONE_LOCK } from './pg-entity-writes.js';
import { SEQ_LOCK, type Tx } from './pg-runs.js';
import { contentHash, dedupe, isoNow } from './shared.js';
import type { Entity } from './types.js';
import { entityKey } from './write-order.js';

// A webhook's write newer than the run's start wins over the run's page (read before it, maybe stale).
const NOT_NEWER_DELIVERY = `NOT (entities.write_seq > $11::bigint AND entities.written_by LIKE 'delivery:%')`;

// Content columns change only with the content; the run's marks (seen) change for every row matched.
const CHANGED = 'entities.content_hash <> EXCLUDED.content_hash';
const ifChanged = (column: string) =>
  `${column} = CASE WHEN ${CHANGED} THEN EXCLUDED.${column} ELSE entities.${column} END`;

/**
 * $1 integration, $2 now, $3 run id, $4–$9 the columns, $10 this write's seq, $11 the run's start,
 * $12 written_by. The tombstone filter drops entities a delivery deleted after the run started (their
 * tombstone is newer than the run's read). One INSERT … ON CONFLICT both rewrites what changed and
 * marks the unchanged rows seen by this run: the arbiter index finds each row, whatever the planner
 * believes of the table's size (a separate UPDATE … FROM joined the whole integration per write while
 * the statistics of a growing catalog lagged, so a first sync's writes slowed with every page).
 * `w`: the row was written ($10 is this write's own seq), else only marked seen.
 */
const UPSERT_BATCH = `
INSERT INTO entities (integration, blueprint, identifier, title, properties, relations, created_at, updated_at,
  content_hash, last_seen_run, seen_seq, written_by, written_at, write_seq)
SELECT $1, b, i, t, p, r, $2, $2, h, $3, $10::bigint, $12, $2, $10::bigint
FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) AS u(b, i, t, p, r, h)
WHERE NOT EXISTS (SELECT 1 FROM entity_versions v WHERE v.integration = $1 AND v.blueprint = u.b
  AND v.identifier = u.i AND v.deleted AND v.write_seq > $11::bigint)
ON CONFLICT (integration, blueprint, identifier) DO UPDATE SET
  ${['title', 'properties', 'relations', 'updated_at', 'written_by', 'written_at', 'write_seq'].map(ifChanged).join(',\n  ')},
  content_hash = EXCLUDED.content_hash, last_seen_run = EXCLUDED.last_seen_run, seen_seq = EXCLUDED.seen_seq
WHERE ${NOT_NEWER_DELIVERY} AND (${CHANGED} OR entities.seen_seq < $10::bigint)
RETURNING write_seq = $10::bigint AS w, blueprint AS b, identifier AS i`;

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
 * The prelude, sent with BEGIN as one simple query (several statements, so literals, not parameters). Lock order as
 * everywhere (pg-entity-writes.ts): TOMBSTONE shared (deletes of this integration wait for this batch),
 * then SEQ_LOCK shared before drawing the seq (startRun takes it exclusively). The run is read after
 * both locks, in its own statement, so it sees every delete committed before them.
 */
function prelude(c: pg.PoolClient, integration: string, runId: number): string {
  if (!Number.isSafeInteger(runId)) throw new Error(`no run ${runId}`);
  return [
    `SELECT pg_advisory_xact_lock_shared(${TOMBSTONE_LOCK}, hashtext(${c.escapeLiteral(integration)}))`,
    `SELECT pg_advisory_xact_lock_shared(${SEQ_LOCK})`,
    `SELECT COALESCE(start_seq, 0)::text AS start, nextval('catalog_seq')::text AS seq FROM sync_runs WHERE id = ${runId}`,
  ].join('; ');
}

/** Of each entity written or marked seen (the rest were tombstoned or newer from a delivery): was it rewritten. */
type Outcome = Map<string, boolean>;

const keyOf = (e: { blueprint: string; identifier: string }) => entityKey(e.blueprint, e.identifier);

/** Upsert a run's entities and mark them seen, in one transaction of three round trips. */
function writeBatch(
  tx: Tx,
  now: () => number,
  integration: string,
  runId: number,
  entities: Entity[],
): Promise<Outcome> {
  return tx(
    async (c, opened) => {
      const run = opened?.rows[0] as { start: string; seq: string } | undefined;
      if (run === undefined) throw new Error(`no run ${runId}`);
      const outcome: Outcome = new Map();
      if (entities.length === 0) return outcome;
      // Named: each pooled connection parses and plans it once, not per page (about half its cost).
      const { rows } = await c.query<{ w: boolean; b: string; i: string }>({
        name: 'inlet_upsert_batch',
        text: UPSERT_BATCH,
        values: [
          integration,
          isoNow(now),
          runId,
          ...batchColumns(entities),
          run.seq,
          run.start,
          `run:${runId}`,
        ],
      });
      for (const row of rows) outcome.set(entityKey(row.b, row.i), row.w);
      return outcome;
    },
    (c) => prelude(c, integration, runId),
  );
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
export function pgBatchUpserts(tx: Tx, now: () => number, maxEntities = 1000) {
  const queues = new Map<string, Call[]>();

  const settle = async (integration: string, runId: number, calls: Call[]) => {
    try {
      const outcome = await writeBatch(
        tx,
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
