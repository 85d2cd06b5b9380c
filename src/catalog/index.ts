import { openPostgresCatalog } from './postgres-store.js';
import { openSqliteCatalog } from './sqlite-store.js';
import type { CatalogStore } from './types.js';

export type {
  CatalogStore,
  Entity,
  ExportFilter,
  KindResult,
  KindStatus,
  LeaseHolder,
  LeaseInfo,
  LeaseOptions,
  RunCounts,
  RunOutcome,
  RunRecord,
  RunStart,
  RunStatus,
  StoredEntity,
  Writer,
} from './types.js';

/** The default catalog location, relative to the working directory. */
export const DEFAULT_CATALOG = './inlet.db';

export interface OpenCatalogOptions {
  /** Milliseconds since the epoch, for `created_at`/`updated_at`/run times. @default Date.now */
  now?: () => number;
  /** Fail with E_CATALOG `no catalog at <target>` instead of creating one (read-only verbs). @default false */
  mustExist?: boolean;
}

/**
 * Opens the catalog at `target`: a `postgres://`/`postgresql://` URL, otherwise a SQLite file path
 * (created with its tables if missing).
 * @default target './inlet.db'
 * @example
 * const catalog = await openCatalog('postgres://localhost/inlet');
 */
export async function openCatalog(
  target: string = DEFAULT_CATALOG,
  options: OpenCatalogOptions = {},
): Promise<CatalogStore> {
  const now = options.now ?? Date.now;
  if (/^postgres(ql)?:\/\//i.test(target)) return openPostgresCatalog(target, now);
  return openSqliteCatalog(target, now);
}
