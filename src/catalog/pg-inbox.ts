import type pg from 'pg';
import {
  DEFAULT_INBOX_LIMIT,
  INBOX_COLUMNS,
  type InboxRow,
  inboxFromRow,
  settledColumns,
} from './inbox-rows.js';
import type { ClaimedEntry, DeliveryOutcome, WebhookInbox } from './types.js';

// One statement, so one commit: the entry, and its body only when the entry was new.
const INSERT = `
WITH entry AS (
  INSERT INTO webhook_inbox (integration, delivery_id, kind, received_at) VALUES ($1, $2, $3, $4)
  ON CONFLICT (integration, delivery_id) DO NOTHING RETURNING id)
INSERT INTO webhook_inbox_bodies (id, body) SELECT id, $5 FROM entry RETURNING id`;

// SKIP LOCKED: a concurrent claimer passes over rows being claimed; the rows it does lock are re-checked
// against the latest committed claim (READ COMMITTED), so two claimers never get the same entry.
const CLAIM = `
UPDATE webhook_inbox SET claimed_until = $3
WHERE id IN (
  SELECT id FROM webhook_inbox
  WHERE integration = $1 AND status = 'pending'
    AND (next_attempt_at IS NULL OR next_attempt_at <= $2) AND (claimed_until IS NULL OR claimed_until < $2)
  ORDER BY id LIMIT $4
  FOR UPDATE SKIP LOCKED)
RETURNING ${INBOX_COLUMNS}`;

// Several entries in one statement: each id with its own status, error and times.
const SETTLE = `
UPDATE webhook_inbox w SET attempts = w.attempts + 1, status = s.status, last_error = s.error,
  applied_at = s.applied_at, next_attempt_at = s.next_attempt_at, claimed_until = NULL
FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::text[])
  AS s(id, status, error, applied_at, next_attempt_at)
WHERE w.id = s.id`;

const RELEASE = `
UPDATE webhook_inbox SET claimed_until = NULL
WHERE id = ANY($1::int8[]) AND status = 'pending' AND claimed_until = $2`;

// A pending entry another applier holds a live claim on is left alone: it is being tried right now.
const REQUEUE = (which: string) => `
UPDATE webhook_inbox SET status = 'pending', attempts = 0, next_attempt_at = NULL, claimed_until = NULL
WHERE integration = $1 AND ${which} AND (status <> 'pending' OR claimed_until IS NULL OR claimed_until < $2)`;

/**
 * The webhook inbox on PostgreSQL. `addDelivery` is one autocommit statement, so it is committed (and,
 * with the default `synchronous_commit = on`, flushed) before it returns; a duplicate waits for the
 * first insert of its id to commit, then finds it.
 */
export function pgInbox(pool: pg.Pool, now: () => number): WebhookInbox {
  const iso = () => new Date(now()).toISOString();
  const settleAll = async (settled: ReadonlyArray<{ id: number; outcome: DeliveryOutcome }>) => {
    if (settled.length === 0) return;
    const at = iso();
    const columns = settled.map(({ outcome }) => settledColumns(outcome, at));
    await pool.query(SETTLE, [
      settled.map((s) => s.id),
      columns.map((c) => c.status),
      columns.map((c) => c.error),
      columns.map((c) => c.appliedAt),
      columns.map((c) => c.nextAttemptAt),
    ]);
  };
  return {
    async addDelivery(integration, d) {
      const key = [integration, d.deliveryId];
      const inserted = await pool.query<{ id: string }>(INSERT, [...key, d.kind, iso(), d.body]);
      const id = inserted.rows[0]?.id;
      if (id !== undefined) return { id: Number(id), duplicate: false };
      const found = await pool.query<{ id: string }>(
        'SELECT id FROM webhook_inbox WHERE integration = $1 AND delivery_id = $2',
        key,
      );
      const existing = found.rows[0]?.id;
      if (existing === undefined) throw new Error(`delivery ${d.deliveryId} neither stored nor found`);
      return { id: Number(existing), duplicate: true };
    },
    async claimDeliveries(integration, { limit, claimMs }) {
      const nowMs = now();
      const until = new Date(nowMs + claimMs).toISOString();
      const { rows } = await pool.query<InboxRow>(CLAIM, [
        integration,
        new Date(nowMs).toISOString(),
        until,
        limit,
      ]);
      return rows
        .map((row): ClaimedEntry => ({ ...inboxFromRow(row), claimedUntil: until }))
        .sort((a, b) => a.id - b.id);
    },
    async settleDelivery(id, outcome) {
      await settleAll([{ id, outcome }]);
    },
    settleDeliveries: settleAll,
    async releaseDeliveries(ids, claimedUntil) {
      if (ids.length === 0) return 0;
      return (await pool.query(RELEASE, [ids, claimedUntil])).rowCount ?? 0;
    },
    async listDeliveries(integration, filter = {}) {
      const limit = filter.limit ?? DEFAULT_INBOX_LIMIT;
      const { rows } =
        filter.status === undefined
          ? await pool.query<InboxRow>(
              `SELECT ${INBOX_COLUMNS} FROM webhook_inbox WHERE integration = $1 ORDER BY id DESC LIMIT $2`,
              [integration, limit],
            )
          : await pool.query<InboxRow>(
              `SELECT ${INBOX_COLUMNS} FROM webhook_inbox WHERE integration = $1 AND status = $2
               ORDER BY id DESC LIMIT $3`,
              [integration, filter.status, limit],
            );
      return rows.map(inboxFromRow);
    },
    async retryDeliveries(integration, which) {
      const result =
        which === 'dead'
          ? await pool.query(REQUEUE("status = 'dead'"), [integration, iso()])
          : which.length === 0
            ? undefined
            : await pool.query(REQUEUE('id = ANY($3::int8[])'), [integration, iso(), which]);
      return result?.rowCount ?? 0;
    },
    async inboxCounts(integration) {
      const { rows } = await pool.query<{ pending: number; dead: number }>(
        `SELECT (count(*) FILTER (WHERE status = 'pending'))::int AS pending,
           (count(*) FILTER (WHERE status = 'dead'))::int AS dead
         FROM webhook_inbox WHERE integration = $1 AND status IN ('pending', 'dead')`,
        [integration],
      );
      return rows[0] ?? { pending: 0, dead: 0 };
    },
  };
}
