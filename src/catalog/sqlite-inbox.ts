import type Database from 'better-sqlite3';
import {
  DEFAULT_INBOX_LIMIT,
  ENTRY_COLUMNS,
  INBOX_COLUMNS,
  type InboxRow,
  inboxFromRow,
  settledColumns,
} from './inbox-rows.js';
import type { ClaimedEntry, DeliveryOutcome, InboxStatus, NewDelivery, WebhookInbox } from './types.js';

/** A delivery waiting for the next group commit, and the caller waiting for its answer. */
interface Queued {
  integration: string;
  delivery: NewDelivery;
  receivedAt: string;
  resolve: (stored: { id: number; duplicate: boolean }) => void;
  reject: (error: unknown) => void;
}

/** The SQLite inbox, and `flush` for `close()`: commit what is queued now rather than at the next turn. */
export type SqliteInbox = WebhookInbox & { flush(): void };

/**
 * The webhook inbox on SQLite. `addDelivery` queues the delivery; every delivery queued within one
 * event-loop turn is inserted in ONE immediate transaction (group commit: one WAL commit instead of
 * one each), and only after COMMIT returns are their promises settled, so no caller answers 2xx for an
 * uncommitted row. With `synchronous = NORMAL` (WAL mode, set in sqlite-store.ts) a killed process
 * (kill -9, a crash) loses no committed delivery, since the WAL write reached the OS; only a power loss or
 * OS crash may lose the last commits before the next checkpoint fsync (sqlite.org/pragma.html#pragma_synchronous).
 */
export function sqliteInbox(db: Database.Database, now: () => number): SqliteInbox {
  const insert = db
    .prepare(`
      INSERT INTO webhook_inbox (integration, delivery_id, kind, received_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (integration, delivery_id) DO NOTHING RETURNING id`)
    .pluck();
  const insertBody = db.prepare('INSERT INTO webhook_inbox_bodies (id, body) VALUES (?, ?)');
  const existing = db
    .prepare('SELECT id FROM webhook_inbox WHERE integration = ? AND delivery_id = ?')
    .pluck();
  // One statement: the due entries are picked and claimed under the write lock (no second claimer
  // between). The row updated is the small entry; the bodies are read after, by id (they never change):
  // measured ~2x cheaper than a subquery in RETURNING.
  const claim = db.prepare(`
    UPDATE webhook_inbox SET claimed_until = @until
    WHERE id IN (
      SELECT id FROM webhook_inbox
      WHERE integration = @integration AND status = 'pending'
        AND (next_attempt_at IS NULL OR next_attempt_at <= @now)
        AND (claimed_until IS NULL OR claimed_until < @now)
      ORDER BY id LIMIT @limit)
    RETURNING ${ENTRY_COLUMNS}`);
  const bodyOf = db.prepare('SELECT body FROM webhook_inbox_bodies WHERE id = ?').pluck();
  const settle = db.prepare(`
    UPDATE webhook_inbox SET attempts = attempts + 1, status = @status, last_error = @error,
      applied_at = @appliedAt, next_attempt_at = @nextAttemptAt, claimed_until = NULL
    WHERE id = @id`);
  const release = db.prepare(`
    UPDATE webhook_inbox SET claimed_until = NULL
    WHERE id IN (SELECT value FROM json_each(@ids)) AND status = 'pending' AND claimed_until = @until`);
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

  // Per row, inside the transaction: a copy of a delivery earlier in the same batch (or stored before)
  // conflicts, inserts nothing and finds the first one's id, so duplicates stay exact within a batch.
  const store = (q: Queued): { id: number; duplicate: boolean } => {
    const { deliveryId, kind, body } = q.delivery;
    const id = insert.get(q.integration, deliveryId, kind, q.receivedAt) as number | undefined;
    if (id !== undefined) {
      insertBody.run(id, body);
      return { id, duplicate: false };
    }
    const found = existing.get(q.integration, deliveryId) as number | undefined;
    if (found === undefined) throw new Error(`delivery ${deliveryId} neither stored nor found`);
    return { id: found, duplicate: true };
  };
  const storeAll = db.transaction((batch: Queued[]) => batch.map(store));
  const settleAll = db.transaction((settled: ReadonlyArray<{ id: number; outcome: DeliveryOutcome }>) => {
    const at = iso();
    for (const { id, outcome } of settled) settle.run({ id, ...settledColumns(outcome, at) });
  });

  let queue: Queued[] = [];
  let scheduled: NodeJS.Immediate | undefined;
  const flush = () => {
    if (scheduled !== undefined) clearImmediate(scheduled);
    scheduled = undefined;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    let answers: Array<{ id: number; duplicate: boolean }>;
    try {
      answers = storeAll.immediate(batch);
    } catch (error) {
      // Nothing of the batch was committed. A lock timeout fails them all; any other failure is
      // retried row by row, so one row's own failure is that row's answer alone.
      if (batch.length === 1 || isBusy(error)) {
        for (const q of batch) q.reject(error);
        return;
      }
      for (const q of batch) {
        try {
          q.resolve(storeAll.immediate([q])[0] as { id: number; duplicate: boolean });
        } catch (rowError) {
          q.reject(rowError);
        }
      }
      return;
    }
    // After COMMIT: every answer below is for a committed row (or a duplicate of one).
    for (const [i, q] of batch.entries()) q.resolve(answers[i] as { id: number; duplicate: boolean });
  };

  return {
    flush,
    addDelivery(integration, delivery) {
      return new Promise((resolve, reject) => {
        queue.push({ integration, delivery, receivedAt: iso(), resolve, reject });
        // After this turn's I/O callbacks: every delivery read in the same turn joins this commit.
        scheduled ??= setImmediate(flush);
      });
    },
    async claimDeliveries(integration, { limit, claimMs }) {
      const nowMs = now();
      const until = new Date(nowMs + claimMs).toISOString();
      const rows = claim.all({
        integration,
        now: new Date(nowMs).toISOString(),
        until,
        limit,
      }) as InboxRow[];
      return rows
        .map((row): ClaimedEntry => {
          row.body = bodyOf.get(row.id) as string;
          return { ...inboxFromRow(row), claimedUntil: until };
        })
        .sort((a, b) => a.id - b.id);
    },
    async settleDelivery(id, outcome) {
      settle.run({ id, ...settledColumns(outcome, iso()) });
    },
    async settleDeliveries(settled) {
      if (settled.length > 0) settleAll.immediate(settled);
    },
    async releaseDeliveries(ids, claimedUntil) {
      if (ids.length === 0) return 0;
      return release.run({ ids: JSON.stringify(ids), until: claimedUntil }).changes;
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

/** SQLITE_BUSY / SQLITE_LOCKED (and their extended codes): another connection holds the lock. */
function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}
