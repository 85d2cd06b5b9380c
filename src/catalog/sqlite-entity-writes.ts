import type Database from 'better-sqlite3';
import { contentHash, isoNow } from './shared.js';
import { sqliteSequence } from './sqlite-runs.js';
import type { CatalogStore, DeliveryWrite, Entity, Writer } from './types.js';
import { isStale, nextOrder, type VersionRow } from './write-order.js';

type EntityWrites = Pick<CatalogStore, 'upsertEntity' | 'deleteEntity'>;

/**
 * Single-entity writes of webhook deliveries on SQLite: the order check, the write and the entity's
 * version row in one IMMEDIATE transaction, so two deliveries of one entity cannot both pass the check.
 */
export function sqliteEntityWrites(db: Database.Database, now: () => number): EntityWrites {
  const nextSeq = sqliteSequence(db);
  const versionOf = db.prepare(`
    SELECT order_value, order_numeric, deleted FROM entity_versions
    WHERE integration = ? AND blueprint = ? AND identifier = ?`);
  const putVersion = db.prepare(`
    INSERT INTO entity_versions (integration, blueprint, identifier, order_value, order_numeric, deleted,
      write_seq, written_by, written_at)
    VALUES (@integration, @blueprint, @identifier, @orderValue, @orderNumeric, @deleted, @seq, @writer, @at)
    ON CONFLICT (integration, blueprint, identifier) DO UPDATE SET order_value = excluded.order_value,
      order_numeric = excluded.order_numeric, deleted = excluded.deleted, write_seq = excluded.write_seq,
      written_by = excluded.written_by, written_at = excluded.written_at`);
  const upsertOne = db.prepare(`
    INSERT INTO entities (integration, blueprint, identifier, title, properties, relations, created_at,
      updated_at, content_hash, seen_seq, written_by, written_at, write_seq)
    VALUES (@integration, @blueprint, @identifier, @title, @properties, @relations, @at, @at, @hash, @seq,
      @writer, @at, @seq)
    ON CONFLICT (integration, blueprint, identifier) DO UPDATE SET
      title = excluded.title, properties = excluded.properties, relations = excluded.relations,
      updated_at = excluded.updated_at, content_hash = excluded.content_hash, seen_seq = excluded.seen_seq,
      written_by = excluded.written_by, written_at = excluded.written_at, write_seq = excluded.write_seq
    WHERE entities.content_hash <> excluded.content_hash`);
  const touch = db.prepare(
    'UPDATE entities SET seen_seq = ? WHERE integration = ? AND blueprint = ? AND identifier = ?',
  );
  const deleteOne = db.prepare(
    'DELETE FROM entities WHERE integration = ? AND blueprint = ? AND identifier = ?',
  );

  /** The order check; when it passes, `write` runs and the version row records this write. */
  const ordered = (
    integration: string,
    blueprint: string,
    identifier: string,
    writer: Writer,
    deleted: boolean,
    write: (seq: number, by: string, at: string) => boolean,
  ): DeliveryWrite => {
    const last = versionOf.get(integration, blueprint, identifier) as VersionRow | undefined;
    if (isStale(writer.order, last)) return { changed: false, stale: true };
    const seq = nextSeq();
    const by = `delivery:${writer.delivery}`;
    const at = isoNow(now);
    const changed = write(seq, by, at);
    const order = nextOrder(writer.order, last);
    putVersion.run({
      integration,
      blueprint,
      identifier,
      orderValue: order.value,
      orderNumeric: order.numeric ? 1 : 0,
      deleted: deleted ? 1 : 0,
      seq,
      writer: by,
      at,
    });
    return { changed, stale: false };
  };

  const upsertEntity = db.transaction((integration: string, e: Entity, writer: Writer) =>
    ordered(integration, e.blueprint, e.identifier, writer, false, (seq, by, at) => {
      const properties = JSON.stringify(e.properties);
      const relations = JSON.stringify(e.relations);
      const hash = contentHash(e.title, properties, relations);
      const { blueprint, identifier, title } = e;
      const row = {
        integration,
        blueprint,
        identifier,
        title,
        properties,
        relations,
        at,
        hash,
        seq,
        writer: by,
      };
      if (upsertOne.run(row).changes > 0) return true;
      // Identical content is still a write in the order: a run that started before must not delete it.
      touch.run(seq, integration, blueprint, identifier);
      return false;
    }),
  );
  const deleteEntity = db.transaction(
    (integration: string, blueprint: string, identifier: string, writer: Writer) =>
      ordered(integration, blueprint, identifier, writer, true, () => {
        return deleteOne.run(integration, blueprint, identifier).changes > 0;
      }),
  );

  return {
    async upsertEntity(integration, entity, writer) {
      return upsertEntity.immediate(integration, entity, writer);
    },
    async deleteEntity(integration, blueprint, identifier, writer) {
      return deleteEntity.immediate(integration, blueprint, identifier, writer);
    },
  };
}
