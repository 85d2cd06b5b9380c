import { createHash } from 'node:crypto';
import type { Entity, RunCounts, RunRecord, RunStatus, StoredEntity } from './types.js';

/** Rows per page when streaming an export (keyset pagination keeps memory flat and the connection free). */
export const EXPORT_PAGE = 500;

/** Default number of runs `listRuns` returns. */
export const DEFAULT_RUN_LIMIT = 20;

/**
 * sha256 (hex, first 32 chars) of exactly what is stored: title, properties JSON and relations JSON. Hashing the
 * stored bytes (not a key-sorted form) means "unchanged" is "the exported line would be identical", and it
 * costs no second serialisation.
 */
export function contentHash(title: string | null, properties: string, relations: string): string {
  // One update() call: per-call overhead dominates for entities of a few hundred bytes.
  const framed = `${title === null ? '\u0000' : `\u0001${title}`}\u0000${properties}\u0000${relations}`;
  return createHash('sha256').update(framed).digest('hex').slice(0, 32);
}

/** Entities keyed by blueprint+identifier, last occurrence winning: a batch must not touch a row twice. */
export function dedupe(entities: Entity[]): Entity[] {
  const byKey = new Map<string, Entity>();
  for (const e of entities) byKey.set(`${e.blueprint}\u0000${e.identifier}`, e);
  return byKey.size === entities.length ? entities : [...byKey.values()];
}

export function isoNow(now: () => number): string {
  return new Date(now()).toISOString();
}

export function matchesSearch(
  e: { identifier: string; title: string | null },
  search: string | undefined,
): boolean {
  if (!search) return true;
  const needle = search.toLowerCase();
  return e.identifier.toLowerCase().includes(needle) || (e.title ?? '').toLowerCase().includes(needle);
}

/** Why a deletion is refused, or undefined when `stale` of `total` is within `threshold`. */
export function refusal(
  blueprint: string,
  stale: number,
  total: number,
  threshold: number,
): string | undefined {
  if (stale === 0 || stale / total <= threshold) return undefined;
  const pct = (n: number) => `${Math.round(n * 1000) / 10}%`;
  return (
    `refused to delete ${stale} of ${total} entities of blueprint "${blueprint}" ` +
    `(${pct(stale / total)} > deletionThreshold ${pct(threshold)})`
  );
}

export interface EntityRow {
  integration: string;
  blueprint: string;
  identifier: string;
  title: string | null;
  properties: string;
  relations: string;
  created_at: string;
  updated_at: string;
}

export function entityFromRow(r: EntityRow): StoredEntity {
  return {
    integration: r.integration,
    blueprint: r.blueprint,
    identifier: r.identifier,
    title: r.title,
    properties: JSON.parse(r.properties) as Record<string, unknown>,
    relations: JSON.parse(r.relations) as Record<string, unknown>,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface RunRow extends RunCounts {
  id: number;
  integration: string;
  status: RunStatus;
  started_at: string;
  finished_at: string | null;
  kinds: string;
  detail: string | null;
}

export function runFromRow(r: RunRow): RunRecord {
  return {
    id: r.id,
    integration: r.integration,
    status: r.status,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    kinds: JSON.parse(r.kinds) as string[],
    counts: {
      requests: r.requests,
      retries: r.retries,
      records: r.records,
      upserted: r.upserted,
      unchanged: r.unchanged,
      deleted: r.deleted,
      skipped: r.skipped,
    },
    detail: r.detail,
  };
}

/** Detail written on a run found still 'running' when the next run of its integration starts. */
export const ABORTED_DETAIL = 'aborted: the process ended before the run finished';
