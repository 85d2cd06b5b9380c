import { openPostgresCatalog } from './postgres-store.js';
import { catalogError, redactUrl, withCatalogErrors } from './shared.js';
import { openSqliteCatalog } from './sqlite-store.js';
import type { CatalogStore } from './types.js';

export { DEFAULT_LEASE_TTL_MS } from './shared.js';
export type {
  CatalogStore,
  ClaimedEntry,
  DeliveryOutcome,
  DeliveryWrite,
  Entity,
  ExportFilter,
  InboxEntry,
  InboxStatus,
  KindResult,
  KindStatus,
  LeaseHolder,
  LeaseInfo,
  LeaseOptions,
  NewDelivery,
  RunCounts,
  RunOutcome,
  RunRecord,
  RunStart,
  RunStatus,
  StoredEntity,
  WebhookInbox,
  Writer,
} from './types.js';

/** The default catalog location, relative to the working directory. */
export const DEFAULT_CATALOG = './inlet.db';

export interface OpenCatalogOptions {
  /** Milliseconds since the epoch, for `created_at`/`updated_at`/run and lease times. @default Date.now */
  now?: () => number;
  /**
   * Refuse to create a catalog: a missing SQLite file, or a PostgreSQL database without the `entities`
   * table, is a CatalogError `no catalog at …` (for reading commands, where a typo must not make one).
   * @default false
   */
  mustExist?: boolean;
  /** SQLite only: how long a write waits for another process's write lock before E_CATALOG. @default 5000 */
  busyTimeoutMs?: number;
  /**
   * SQLite only: WAL checkpoints on a worker thread (sqlite-checkpointer.ts) instead of inside the
   * commit that fills the WAL; for `inlet serve`, whose event loop answers webhooks. @default false
   */
  backgroundCheckpoints?: boolean;
}

/**
 * Opens the catalog at `target`: a `postgres://`/`postgresql://` URL, otherwise a SQLite file path
 * (created with its tables if missing, unless `mustExist`). Every failure, now or later, is a
 * CatalogError (`E_CATALOG`) naming the catalog (password redacted) and the operation.
 * @default target './inlet.db'
 * @example
 * const catalog = await openCatalog('postgres://localhost/inlet', { mustExist: true });
 */
export async function openCatalog(
  target: string = DEFAULT_CATALOG,
  options: OpenCatalogOptions = {},
): Promise<CatalogStore> {
  const now = options.now ?? Date.now;
  const mustExist = options.mustExist ?? false;
  const postgres = /^postgres(ql)?:\/\//i.test(target);
  const name = postgres ? redactUrl(target) : target;
  try {
    const store = postgres
      ? await openPostgresCatalog(target, name, { now, mustExist })
      : await openSqliteCatalog(target, {
          now,
          mustExist,
          busyTimeoutMs: options.busyTimeoutMs ?? 5000,
          backgroundCheckpoints: options.backgroundCheckpoints ?? false,
        });
    return withCatalogErrors(name, store);
  } catch (e) {
    throw catalogError(name, 'open', e);
  }
}
