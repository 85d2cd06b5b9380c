import type Database from 'better-sqlite3';
import { CatalogError } from '../errors/errors.js';

/**
 * Bumped when the schema changes; stored in `PRAGMA user_version`. 2: leases, write order, writers.
 * 3: the webhook inbox and per-entity versions (delivery order, tombstones). 4: the inbox's bodies in
 * their own table (webhook_inbox_bodies).
 */
export const SQLITE_SCHEMA_VERSION = 4;

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

/** The inbox's bodies (version 4): claims and settles then rewrite a small row, never the body. */
const V4_BODIES = `
CREATE TABLE IF NOT EXISTS webhook_inbox_bodies (
  id INTEGER PRIMARY KEY, -- webhook_inbox.id, inserted in the same transaction
  body TEXT NOT NULL
);
`;

/**
 * Tables new in version 3 as version 4 has them, shared by a fresh catalog and the migrations from
 * versions 1 and 2 (which had no inbox).
 */
const V3_TABLES = `
-- The durable webhook inbox (docs/webhooks.md): AUTOINCREMENT so an id shown to users is never reused.
CREATE TABLE IF NOT EXISTS webhook_inbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  integration TEXT NOT NULL,
  delivery_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  received_at TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'applied', 'stale', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  applied_at TEXT,
  next_attempt_at TEXT,
  claimed_until TEXT,
  UNIQUE (integration, delivery_id)
);
-- Serves claims (pending, oldest first), listings by status and the pending/dead counts.
CREATE INDEX IF NOT EXISTS webhook_inbox_by_status ON webhook_inbox (integration, status, id);
-- The last single-entity write of each entity a delivery touched: its order value, and a tombstone
-- (deleted = 1, with the delete's write_seq) so a run started before a delete does not write it back.
CREATE TABLE IF NOT EXISTS entity_versions (
  integration TEXT NOT NULL,
  blueprint TEXT NOT NULL,
  identifier TEXT NOT NULL,
  order_value TEXT,
  order_numeric INTEGER NOT NULL DEFAULT 0,
  deleted INTEGER NOT NULL DEFAULT 0,
  write_seq INTEGER NOT NULL,
  written_by TEXT NOT NULL,
  written_at TEXT NOT NULL,
  PRIMARY KEY (integration, blueprint, identifier)
);
CREATE INDEX IF NOT EXISTS entity_tombstones ON entity_versions (integration, write_seq) WHERE deleted = 1;
${V4_BODIES}`;

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
${V2_TABLES}
${V3_TABLES}`;

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

/** Version 3 → 4: every stored body moves to webhook_inbox_bodies under its entry's id. */
const FROM_V3 = `
${V4_BODIES}
INSERT INTO webhook_inbox_bodies (id, body) SELECT id, body FROM webhook_inbox;
ALTER TABLE webhook_inbox DROP COLUMN body;
`;

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
    if (version === 0) db.exec(FRESH);
    if (version === 1) db.exec(FROM_V1);
    if (version === 1 || version === 2) db.exec(V3_TABLES);
    if (version === 3) db.exec(FROM_V3);
    db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION}`);
  }).immediate();
}
