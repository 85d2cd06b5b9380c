import { hash } from 'node:crypto';
import { CatalogError, isInletError } from '../errors/errors.js';
import type {
  CatalogStore,
  Entity,
  KindResult,
  LeaseHolder,
  LeaseInfo,
  RunCounts,
  RunRecord,
  RunStatus,
  StoredEntity,
} from './types.js';

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
  // One-shot crypto.hash (Node >= 20.12): no Hash object per entity, whose set-up cost more than
  // hashing a few hundred bytes (a CPU profile of a sync: 2.6% of it in createHash and update).
  const framed = `${title === null ? '\u0000' : `\u0001${title}`}\u0000${properties}\u0000${relations}`;
  return hash('sha256', framed, 'hex').slice(0, 32);
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
  written_by: string | null;
}

/** The entity columns an export reads, in `EntityRow` order. */
export const ENTITY_COLUMNS =
  'integration, blueprint, identifier, title, properties, relations, created_at, updated_at, written_by';

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
    writtenBy: r.written_by,
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
  kind_results: string | null;
  error_code: string | null;
  error_message: string | null;
  holder: string | null;
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
    kindResults: r.kind_results === null ? [] : (JSON.parse(r.kind_results) as KindResult[]),
    errorCode: r.error_code,
    errorMessage: r.error_message,
    holder: r.holder,
  };
}

/** Detail written on a run found still 'running' without a lease (schema v1) when the next run starts. */
export const ABORTED_DETAIL = 'aborted: the process ended before the run finished';

export interface LeaseRow {
  integration: string;
  run_id: number;
  holder_pid: number;
  holder_host: string;
  heartbeat_at: string;
  expires_at: string;
}

export function leaseFromRow(r: LeaseRow): LeaseInfo {
  return {
    integration: r.integration,
    runId: Number(r.run_id),
    holder: { pid: Number(r.holder_pid), host: r.holder_host },
    heartbeatAt: r.heartbeat_at,
    expiresAt: r.expires_at,
  };
}

export const holderName = (h: LeaseHolder): string => `${h.pid}@${h.host}`;

/** Lease TTL when `LeaseOptions.ttlMs` is not given. */
export const DEFAULT_LEASE_TTL_MS = 60_000;

/** The heartbeat and expiry columns of a lease renewed at `nowMs`. */
export function leaseTimes(nowMs: number, ttlMs: number): { heartbeatAt: string; expiresAt: string } {
  return { heartbeatAt: new Date(nowMs).toISOString(), expiresAt: new Date(nowMs + ttlMs).toISOString() };
}

/**
 * Whether `startRun` may take the existing lease over: it expired, or its holder is known dead.
 * A live lease is never taken: a live run is never marked aborted by another (issue 7).
 */
export function mayTakeOver(
  lease: LeaseInfo,
  nowMs: number,
  isDead: ((h: LeaseHolder) => boolean) | undefined,
): boolean {
  return Date.parse(lease.expiresAt) <= nowMs || isDead?.(lease.holder) === true;
}

/** Detail of a run whose lease another process took over. */
export function takeoverDetail(old: LeaseInfo, by: LeaseHolder, nowMs: number): string {
  const why = Date.parse(old.expiresAt) <= nowMs ? 'its lease expired' : 'its holder is dead';
  return (
    `aborted: taken over by ${holderName(by)} because ${why} ` +
    `(holder ${holderName(old.holder)}, last heartbeat ${old.heartbeatAt})`
  );
}

/** `deleteStale`'s refusal when the run lost its lease or is no longer running. */
export const lostLease = (runId: number, integration: string): string =>
  `run ${runId} no longer holds the lease of ${integration}; nothing deleted`;

/** A PostgreSQL URL with its password (userinfo or `password=` parameter) shown as `***`. */
export function redactUrl(url: string): string {
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@?#]*):[^@/?#]*@/i, '$1:***@')
    .replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/** Any failure of the catalog `name` during `op` as one CatalogError line with the cause chained. */
export function catalogError(name: string, op: string, cause: unknown): Error {
  if (isInletError(cause)) return cause;
  const reason = (cause instanceof Error ? cause.message : String(cause)).replace(/\s+/g, ' ').trim();
  const code = (cause as { code?: unknown } | null)?.code;
  const suffix = typeof code === 'string' && !reason.includes(code) ? ` (${code})` : '';
  return new CatalogError(`catalog ${name}: ${op}: ${reason}${suffix}`, { cause });
}

/** The store with every failure surfaced as a CatalogError naming the catalog and the operation. */
export function withCatalogErrors(name: string, store: CatalogStore): CatalogStore {
  const guard =
    <A extends unknown[], R>(op: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn(...args);
      } catch (e) {
        throw catalogError(name, op, e);
      }
    };
  async function* exportEntities(filter?: Parameters<CatalogStore['exportEntities']>[0]) {
    try {
      yield* store.exportEntities(filter);
    } catch (e) {
      throw catalogError(name, 'exportEntities', e);
    }
  }
  return {
    startRun: guard('startRun', store.startRun),
    heartbeat: guard('heartbeat', store.heartbeat),
    getLease: guard('getLease', store.getLease),
    upsertBatch: guard('upsertBatch', store.upsertBatch),
    deleteStale: guard('deleteStale', store.deleteStale),
    upsertEntity: guard('upsertEntity', store.upsertEntity),
    deleteEntity: guard('deleteEntity', store.deleteEntity),
    finishRun: guard('finishRun', store.finishRun),
    listRuns: guard('listRuns', store.listRuns),
    exportEntities,
    addDelivery: guard('addDelivery', store.addDelivery),
    claimDeliveries: guard('claimDeliveries', store.claimDeliveries),
    settleDelivery: guard('settleDelivery', store.settleDelivery),
    settleDeliveries: guard('settleDeliveries', store.settleDeliveries),
    releaseDeliveries: guard('releaseDeliveries', store.releaseDeliveries),
    listDeliveries: guard('listDeliveries', store.listDeliveries),
    retryDeliveries: guard('retryDeliveries', store.retryDeliveries),
    inboxCounts: guard('inboxCounts', store.inboxCounts),
    getState: guard('getState', store.getState),
    setState: guard('setState', store.setState),
    close: guard('close', store.close),
  };
}
