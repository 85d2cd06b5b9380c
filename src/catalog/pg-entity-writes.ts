import type pg from 'pg';
import { drawSeq, type Tx } from './pg-runs.js';
import { contentHash, isoNow } from './shared.js';
import type { CatalogStore, DeliveryWrite, Entity, Writer } from './types.js';
import { isStale, nextOrder, type VersionRow } from './write-order.js';

type EntityWrites = Pick<CatalogStore, 'upsertEntity' | 'deleteEntity'>;

/**
 * Advisory lock classes of the two-int4 key space (apart from the bigint keys of SCHEMA_LOCK and SEQ_LOCK).
 * ENTITY: (class, hash of the entity key), held by a single-entity write from its order check to its commit,
 * so two deliveries of one entity never both pass the check. TOMBSTONE: (class, hash of the integration),
 * exclusive while a delete writes its tombstone, shared by `upsertBatch` from its tombstone check to its
 * commit, so a run never writes back an entity whose delete commits in between. Lock order everywhere:
 * ENTITY, then TOMBSTONE, then SEQ_LOCK (no cycle, so no deadlock with `startRun`).
 */
const ENTITY_LOCK = 0x1e7c47a3;
export const TOMBSTONE_LOCK = 0x1e7c47a4;

const UPSERT_ONE = `
INSERT INTO entities (integration, blueprint, identifier, title, properties, relations, created_at, updated_at,
  content_hash, seen_seq, written_by, written_at, write_seq)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9::bigint, $10, $7, $9::bigint)
ON CONFLICT (integration, blueprint, identifier) DO UPDATE SET
  title = EXCLUDED.title, properties = EXCLUDED.properties, relations = EXCLUDED.relations,
  updated_at = EXCLUDED.updated_at, content_hash = EXCLUDED.content_hash, seen_seq = EXCLUDED.seen_seq,
  written_by = EXCLUDED.written_by, written_at = EXCLUDED.written_at, write_seq = EXCLUDED.write_seq
WHERE entities.content_hash <> EXCLUDED.content_hash`;

const PUT_VERSION = `
INSERT INTO entity_versions (integration, blueprint, identifier, order_value, order_numeric, deleted,
  write_seq, written_by, written_at)
VALUES ($1, $2, $3, $4, $5, $6, $7::bigint, $8, $9)
ON CONFLICT (integration, blueprint, identifier) DO UPDATE SET order_value = EXCLUDED.order_value,
  order_numeric = EXCLUDED.order_numeric, deleted = EXCLUDED.deleted, write_seq = EXCLUDED.write_seq,
  written_by = EXCLUDED.written_by, written_at = EXCLUDED.written_at`;

type Key = [integration: string, blueprint: string, identifier: string];

/**
 * In one transaction: lock the entity, check the order (a statement after the lock, so it reads the
 * latest committed version), then `write` and record this write's version.
 */
async function ordered(
  c: pg.PoolClient,
  key: Key,
  writer: Writer,
  deleted: boolean,
  now: () => number,
  write: (seq: string, by: string, at: string) => Promise<boolean>,
): Promise<DeliveryWrite> {
  await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [ENTITY_LOCK, JSON.stringify(key)]);
  if (deleted) await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [TOMBSTONE_LOCK, key[0]]);
  const { rows } = await c.query<VersionRow>(
    `SELECT order_value, order_numeric, deleted FROM entity_versions
     WHERE integration = $1 AND blueprint = $2 AND identifier = $3`,
    key,
  );
  const last = rows[0];
  if (isStale(writer.order, last)) return { changed: false, stale: true };
  const seq = await drawSeq(c);
  const by = `delivery:${writer.delivery}`;
  const at = isoNow(now);
  const changed = await write(seq, by, at);
  const order = nextOrder(writer.order, last);
  await c.query(PUT_VERSION, [...key, order.value, order.numeric, deleted, seq, by, at]);
  return { changed, stale: false };
}

/** Single-entity writes of webhook deliveries on PostgreSQL, ordered per entity (see ENTITY_LOCK). */
export function pgEntityWrites(tx: Tx, now: () => number): EntityWrites {
  return {
    async upsertEntity(integration, e: Entity, writer) {
      const properties = JSON.stringify(e.properties);
      const relations = JSON.stringify(e.relations);
      const hash = contentHash(e.title, properties, relations);
      const key: Key = [integration, e.blueprint, e.identifier];
      return tx((c) =>
        ordered(c, key, writer, false, now, async (seq, by, at) => {
          const params = [...key, e.title, properties, relations, at, hash, seq, by];
          if (((await c.query(UPSERT_ONE, params)).rowCount ?? 0) > 0) return true;
          // Identical content is still a write in the order: a run that started before must not delete it.
          await c.query(
            'UPDATE entities SET seen_seq = $4::bigint WHERE integration = $1 AND blueprint = $2 AND identifier = $3',
            [...key, seq],
          );
          return false;
        }),
      );
    },
    async deleteEntity(integration, blueprint, identifier, writer) {
      const key: Key = [integration, blueprint, identifier];
      return tx((c) =>
        ordered(c, key, writer, true, now, async () => {
          const result = await c.query(
            'DELETE FROM entities WHERE integration = $1 AND blueprint = $2 AND identifier = $3',
            key,
          );
          return (result.rowCount ?? 0) > 0;
        }),
      );
    },
  };
}
