import type Database from 'better-sqlite3';
import {
  DEFAULT_INBOX_LIMIT,
  INBOX_COLUMNS,
  type InboxRow,
  inboxFromRow,
  settledColumns,
} from './inbox-rows.js';
import type { InboxStatus, WebhookInbox } from './types.js';

/**
 * The webhook inbox on SQLite. `addDelivery` is one prepared INSERT in autocommit: committed to the WAL
 * before it returns. With `synchronous = NORMAL` (WAL mode, set in sqlite-store.ts) a killed process
 * (kill -9, a crash) loses no committed delivery, since the WAL write reached the OS; only a power loss or
 * OS crash may lose the last commits before the next checkpoint fsync (sqlite.org/pragma.html#pragma_synchronous).
 */
export function sqliteInbox(db: Database.Database, now: () => number): WebhookInbox {
  const insert = db
    .prepare(`
      INSERT INTO webhook_inbox (integration, delivery_id, kind, received_at, body) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (integration, delivery_id) DO NOTHING RETURNING id`)
    .pluck();
  const existing = db
    .prepare('SELECT id FROM webhook_inbox WHERE integration = ? AND delivery_id = ?')
    .pluck();
  // One statement: the due entries are picked and claimed under the write lock (no second claimer between).
  const claim = db.prepare(`
    UPDATE webhook_inbox SET claimed_until = @until
    WHERE id IN (
      SELECT id FROM webhook_inbox
      WHERE integration = @integration AND status = 'pending'
        AND (next_attempt_at IS NULL OR next_attempt_at <= @now)
        AND (claimed_until IS NULL OR claimed_until < @now)
      ORDER BY id LIMIT @limit)
    RETURNING ${INBOX_COLUMNS}`);
  const settle = db.prepare(`
    UPDATE webhook_inbox SET attempts = attempts + 1, status = @status, last_error = @error,
      applied_at = @appliedAt, next_attempt_at = @nextAttemptAt, claimed_until = NULL
    WHERE id = @id`);
  const list = db.prepare(
    `SELECT ${INBOX_COLUMNS} FROM webhook_inbox WHERE integration = ? ORDER BY id DESC LIMIT ?`,
  );
  const listByStatus = db.prepare(
    `SELECT ${INBOX_COLUMNS} FROM webhook_inbox WHERE integration = ? AND status = ? ORDER BY id DESC LIMIT ?`,
  );
  // A pending entry another applier holds a live claim on is left alone: it is being tried right now.
  const requeue = (which: string) =>
    db.prepare(`
      UPDATE webhook_inbox SET status = 'pending', attempts = 0, next_attempt_at = NULL, claimed_until = NULL
      WHERE integration = @integration AND ${which}
        AND (status <> 'pending' OR claimed_until IS NULL OR claimed_until < @now)`);
  const requeueIds = requeue('id IN (SELECT value FROM json_each(@ids))');
  const requeueDead = requeue("status = 'dead'");
  const counts = db.prepare(`
    SELECT coalesce(sum(status = 'pending'), 0) AS pending, coalesce(sum(status = 'dead'), 0) AS dead
    FROM webhook_inbox WHERE integration = ? AND status IN ('pending', 'dead')`);
  const iso = () => new Date(now()).toISOString();

  return {
    async addDelivery(integration, d) {
      const id = insert.get(integration, d.deliveryId, d.kind, iso(), d.body) as number | undefined;
      if (id !== undefined) return { id, duplicate: false };
      const found = existing.get(integration, d.deliveryId) as number | undefined;
      if (found === undefined) throw new Error(`delivery ${d.deliveryId} neither stored nor found`);
      return { id: found, duplicate: true };
    },
    async claimDeliveries(integration, { limit, claimMs }) {
      const nowMs = now();
      const rows = claim.all({
        integration,
        now: new Date(nowMs).toISOString(),
        until: new Date(nowMs + claimMs).toISOString(),
        limit,
      }) as InboxRow[];
      return rows.map(inboxFromRow).sort((a, b) => a.id - b.id);
    },
    async settleDelivery(id, outcome) {
      settle.run({ id, ...settledColumns(outcome, iso()) });
    },
    async listDeliveries(integration, filter = {}) {
      const limit = filter.limit ?? DEFAULT_INBOX_LIMIT;
      const rows = (
        filter.status === undefined
          ? list.all(integration, limit)
          : listByStatus.all(integration, filter.status satisfies InboxStatus, limit)
      ) as InboxRow[];
      return rows.map(inboxFromRow);
    },
    async retryDeliveries(integration, which) {
      const at = iso();
      if (which === 'dead') return requeueDead.run({ integration, now: at }).changes;
      if (which.length === 0) return 0;
      return requeueIds.run({ integration, now: at, ids: JSON.stringify(which) }).changes;
    },
    async inboxCounts(integration) {
      return counts.get(integration) as { pending: number; dead: number };
    },
  };
}
