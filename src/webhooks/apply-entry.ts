import type { Entity, InboxEntry, Writer } from '../catalog/index.js';
import { MappingError, ResponseError } from '../errors/errors.js';
import type { ApplierDeps, MatchedEvent, WebhookDelivery } from './types.js';

/** What applying one entry did: every write refused as older (`stale`), or upserts / deletes. */
export interface EntryResult {
  kind: string;
  result: 'upserted' | 'deleted' | 'stale';
  entities: number;
}

type EntryDeps = Pick<ApplierDeps, 'integration' | 'store' | 'events' | 'mapper' | 'fetcher'>;

/**
 * Apply one inbox entry (docs: "Deliveries are applied from the inbox"): match the stored delivery,
 * read the full record when the kind has a `get` (a 404 means it is gone: delete), map it with the
 * kind's mapping (no `$parent`: a webhook has none) and write each entity ordered by the event's
 * `order`. Throws on any failure; the caller retries the entry.
 */
export async function applyEntry(entry: InboxEntry, deps: EntryDeps): Promise<EntryResult> {
  const delivery = parseDelivery(entry);
  const event = await deps.events.match(delivery);
  if (!event) {
    throw new ResponseError(`delivery ${entry.deliveryId}: no webhooks.events entry matches it any more`);
  }
  let record = event.record;
  let remove = event.delete;
  if (!remove && deps.fetcher?.has(event.kind)) {
    const full = await deps.fetcher.fetch(event.kind, record);
    if (full === null) remove = true;
    else record = full;
  }
  const entities = await mapRecord(event, record, deps);
  const writer: Writer = { delivery: entry.deliveryId };
  if (event.order !== undefined && event.order !== null) writer.order = event.order;
  let stale = 0;
  for (const entity of entities) {
    const write = remove
      ? await deps.store.deleteEntity(deps.integration, entity.blueprint, entity.identifier, writer)
      : await deps.store.upsertEntity(deps.integration, entity, writer);
    if (write.stale) stale++;
  }
  const result = stale === entities.length ? 'stale' : remove ? 'deleted' : 'upserted';
  return { kind: event.kind, result, entities: entities.length };
}

function parseDelivery(entry: InboxEntry): WebhookDelivery {
  let value: unknown;
  try {
    value = JSON.parse(entry.body);
  } catch {
    throw new ResponseError(`delivery ${entry.deliveryId}: the stored body is not JSON`);
  }
  const shaped = value as Partial<WebhookDelivery> | null;
  if (shaped === null || typeof shaped !== 'object' || typeof shaped.headers !== 'object') {
    throw new ResponseError(`delivery ${entry.deliveryId}: the stored body is not {headers, body}`);
  }
  return { headers: shaped.headers ?? {}, body: shaped.body };
}

/** The kind's mapping over the one record; a record that gives no entity is this entry's failure. */
async function mapRecord(event: MatchedEvent, record: unknown, deps: EntryDeps): Promise<Entity[]> {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    throw new MappingError(
      `kind ${event.kind}: the event's record is ${record === null ? 'null' : Array.isArray(record) ? 'a list' : typeof record}, not an object`,
      { kind: event.kind },
    );
  }
  const { entities } = await deps.mapper.mapPage(event.kind, [record as Record<string, unknown>], {});
  if (entities.length === 0) {
    throw new MappingError(
      `kind ${event.kind}: the mapping gives no entity for the event's record (identifier or blueprint empty, or the selector refused it)`,
      { kind: event.kind },
    );
  }
  return entities;
}
