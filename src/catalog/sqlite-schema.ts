import type Database from 'better-sqlite3';
import { CatalogError } from '../errors/errors.js';

/** Bumped when the schema changes; stored in `PRAGMA user_version`. 2: leases, write order, writers. */
export const SQLITE_SCHEMA_VERSION = 2;

/** Tables new in version 2, shared by a fresh catalog and the migration from version 1. */
const V2_TABLES = `
CREATE TABLE IF NOT EXISTS sync_leases (
  integration TEXT PRIMARY KEY,
  run_id INTEGER NOT NULL,
  holder_pid INTEGER NOT NULL,
  holder_host TEXT NOT NULL,
  heartbeat_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  ttl_ms INTEGER NOT NULL
);
-- The catalog-wide write order: one row, incremented by every write transaction (SQLite has one writer).
CREATE TABLE IF NOT EXISTS catalog_seq (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  value INTEGER NOT NULL
);
INSERT OR IGNORE INTO catalog_seq (id, value) VALUES (1, 0);
`;

const FRESH = `
CREATE TABLE entities (
  integration TEXT NOT NULL,
  blueprint TEXT NOT NULL,
  identifier TEXT NOT NULL,
  title TEXT,
  properties TEXT NOT NULL,
  relations TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  last_seen_run INTEGER,
  seen_seq INTEGER NOT NULL DEFAULT 0,
  written_by TEXT,
  written_at TEXT,
  write_seq INTEGER NOT NULL DEFAULT 0,
  -- Unique on (integration, blueprint, identifier) as the contract says, declared in export order so
  -- the one index serves both the upsert's conflict check and sorted exports (one B-tree less per write).
  UNIQUE (blueprint, identifier, integration)
);
CREATE TABLE sync_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  integration TEXT NOT NULL,
  status TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  requests INTEGER NOT NULL DEFAULT 0,
  retries INTEGER NOT NULL DEFAULT 0,
  records INTEGER NOT NULL DEFAULT 0,
  upserted INTEGER NOT NULL DEFAULT 0,
  unchanged INTEGER NOT NULL DEFAULT 0,
  deleted INTEGER NOT NULL DEFAULT 0,
  skipped INTEGER NOT NULL DEFAULT 0,
  kinds TEXT NOT NULL,
  detail TEXT,
  kind_results TEXT,
  error_code TEXT,
  error_message TEXT,
  holder TEXT,
  start_seq INTEGER
);
CREATE INDEX sync_runs_by_integration ON sync_runs (integration, status);
CREATE TABLE state (
  integration TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (integration, key)
);
${V2_TABLES}`;

/** Version 1 → 2: existing entities get seen_seq 0 (older than any run) and no writer. */
const FROM_V1 = `
ALTER TABLE entities ADD COLUMN seen_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE entities ADD COLUMN written_by TEXT;
ALTER TABLE entities ADD COLUMN written_at TEXT;
ALTER TABLE entities ADD COLUMN write_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_runs ADD COLUMN kind_results TEXT;
ALTER TABLE sync_runs ADD COLUMN error_code TEXT;
ALTER TABLE sync_runs ADD COLUMN error_message TEXT;
ALTER TABLE sync_runs ADD COLUMN holder TEXT;
ALTER TABLE sync_runs ADD COLUMN start_seq INTEGER;
${V2_TABLES}`;

const hasTable = (db: Database.Database, name: string) =>
  db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;

/**
 * Brings the catalog at `path` to the current version in one immediate transaction, so two processes
 * opening a new file at once do not both create it. With `mustExist`, a file without tables is refused.
 */
export function migrateSqlite(db: Database.Database, path: string, mustExist: boolean): void {
  db.transaction(() => {
    const exists = hasTable(db, 'entities');
    if (!exists && mustExist) throw new CatalogError(`no catalog at ${path}`);
    // Catalogs made before versioning have tables but user_version 0: they are version 1.
    let version = db.pragma('user_version', { simple: true }) as number;
    if (version === 0 && exists) version = 1;
    if (version > SQLITE_SCHEMA_VERSION) {
      throw new CatalogError(
        `catalog ${path} has schema version ${version}; this inlet supports up to ${SQLITE_SCHEMA_VERSION}`,
      );
    }
    if (version === SQLITE_SCHEMA_VERSION) return;
    db.exec(version === 0 ? FRESH : FROM_V1);
    db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION}`);
  }).immediate();
}
