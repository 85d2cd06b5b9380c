import type pg from 'pg';
import {
  ABORTED_DETAIL,
  DEFAULT_LEASE_TTL_MS,
  DEFAULT_RUN_LIMIT,
  holderName,
  type LeaseRow,
  leaseFromRow,
  leaseTimes,
  lostLease,
  mayTakeOver,
  type RunRow,
  refusal,
  runFromRow,
  takeoverDetail,
} from './shared.js';
import type { CatalogStore, RunStart } from './types.js';

/**
 * The write-order lock. Writers hold it shared from before `nextval('catalog_seq')` to their commit;
 * `startRun` takes it exclusively before drawing its start value, so every write with a smaller value
 * has committed by then and every later one gets a larger value (deleting `seen_seq < start_seq` is safe).
 */
export const SEQ_LOCK = 0x1e7c47a2;

/** The write transaction's place in the catalog-wide order (see SEQ_LOCK); a bigint as text. */
export async function drawSeq(c: pg.PoolClient): Promise<string> {
  await c.query('SELECT pg_advisory_xact_lock_shared($1)', [SEQ_LOCK]);
  const { rows } = await c.query<{ seq: string }>("SELECT nextval('catalog_seq')::text AS seq");
  const seq = rows[0]?.seq;
  if (seq === undefined) throw new Error('nextval returned no row');
  return seq;
}

/**
 * One transaction on a pooled connection.
 */
export type Tx = <T>(fn: (c: pg.PoolClient) => Promise<T>) => Promise<T>;

type RunsPart = Pick<
  CatalogStore,
  'startRun' | 'heartbeat' | 'getLease' | 'finishRun' | 'listRuns' | 'deleteStale'
>;

/** Runs, leases and stale deletion on PostgreSQL, each a transaction taking the lease row's lock. */
export function pgRuns(pool: pg.Pool, tx: Tx, now: () => number): RunsPart {
  return {
    async startRun(integration, kinds, opts) {
      return tx(async (c): Promise<RunStart> => {
        // Exclusive: also serialises every startRun of the catalog, so a missing lease row (nothing to
        // lock FOR UPDATE yet) cannot be created by two at once.
        await c.query('SELECT pg_advisory_xact_lock($1)', [SEQ_LOCK]);
        const found = await c.query<LeaseRow>('SELECT * FROM sync_leases WHERE integration = $1 FOR UPDATE', [
          integration,
        ]);
        const nowMs = now();
        const at = new Date(nowMs).toISOString();
        const old = found.rows[0] && leaseFromRow(found.rows[0]);
        if (old && !mayTakeOver(old, nowMs, opts.isDead)) return { ok: false, lease: old };
        if (old) {
          await c.query(
            "UPDATE sync_runs SET status = 'aborted', finished_at = $1, detail = $2 WHERE id = $3 AND status = 'running'",
            [at, takeoverDetail(old, opts.holder, nowMs), old.runId],
          );
        }
        const inserted = await c.query<{ id: number }>(
          `INSERT INTO sync_runs (integration, status, started_at, kinds, holder, start_seq)
           VALUES ($1, 'running', $2, $3, $4, nextval('catalog_seq')) RETURNING id`,
          [integration, at, JSON.stringify(kinds), holderName(opts.holder)],
        );
        const id = inserted.rows[0]?.id;
        if (id === undefined) throw new Error('INSERT … RETURNING id returned no row');
        const ttlMs = opts.ttlMs ?? DEFAULT_LEASE_TTL_MS;
        const { heartbeatAt, expiresAt } = leaseTimes(nowMs, ttlMs);
        await c.query(
          `INSERT INTO sync_leases (integration, run_id, holder_pid, holder_host, heartbeat_at, expires_at, ttl_ms)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (integration) DO UPDATE SET run_id = EXCLUDED.run_id, holder_pid = EXCLUDED.holder_pid,
             holder_host = EXCLUDED.holder_host, heartbeat_at = EXCLUDED.heartbeat_at,
             expires_at = EXCLUDED.expires_at, ttl_ms = EXCLUDED.ttl_ms`,
          [integration, id, opts.holder.pid, opts.holder.host, heartbeatAt, expiresAt, ttlMs],
        );
        // After the new lease is in place: what is still running without a lease row is from schema v1.
        await c.query(
          `UPDATE sync_runs SET status = 'aborted', finished_at = $1, detail = $2
           WHERE integration = $3 AND status = 'running' AND id NOT IN (SELECT run_id FROM sync_leases)`,
          [at, ABORTED_DETAIL, integration],
        );
        return old
          ? { ok: true, runId: id, startedAt: at, tookOver: old }
          : { ok: true, runId: id, startedAt: at };
      });
    },

    async heartbeat(runId) {
      return tx(async (c) => {
        const { rows } = await c.query<{ ttl_ms: number }>(
          'SELECT ttl_ms FROM sync_leases WHERE run_id = $1 FOR UPDATE',
          [runId],
        );
        const row = rows[0];
        if (row === undefined) return false;
        const { heartbeatAt, expiresAt } = leaseTimes(now(), row.ttl_ms);
        const result = await c.query(
          'UPDATE sync_leases SET heartbeat_at = $2, expires_at = $3 WHERE run_id = $1',
          [runId, heartbeatAt, expiresAt],
        );
        return (result.rowCount ?? 0) > 0;
      });
    },

    async getLease(integration) {
      const { rows } = await pool.query<LeaseRow>('SELECT * FROM sync_leases WHERE integration = $1', [
        integration,
      ]);
      return rows[0] && leaseFromRow(rows[0]);
    },

    async finishRun(runId, o) {
      await tx(async (c) => {
        // A run aborted by a takeover stays aborted (with its takeover detail); its counts are still kept.
        await c.query(
          `UPDATE sync_runs SET
             status = CASE status WHEN 'aborted' THEN status ELSE $2 END,
             finished_at = CASE status WHEN 'aborted' THEN coalesce(finished_at, $3) ELSE $3 END,
             detail = CASE status WHEN 'aborted' THEN detail ELSE $4 END,
             requests = $5, retries = $6, records = $7, upserted = $8, unchanged = $9, deleted = $10,
             skipped = $11, kind_results = $12, error_code = $13, error_message = $14
           WHERE id = $1`,
          [
            runId,
            o.status,
            new Date(now()).toISOString(),
            o.detail ?? null,
            o.counts.requests,
            o.counts.retries,
            o.counts.records,
            o.counts.upserted,
            o.counts.unchanged,
            o.counts.deleted,
            o.counts.skipped,
            JSON.stringify(o.kinds ?? []),
            o.errorCode ?? null,
            o.errorMessage ?? null,
          ],
        );
        await c.query('DELETE FROM sync_leases WHERE run_id = $1', [runId]);
      });
    },

    async deleteStale(integration, runId, blueprint, threshold) {
      return tx(async (c) => {
        // The lease row's lock keeps a takeover out until this deletion commits (or sees it first).
        const lease = await c.query<{ run_id: number }>(
          'SELECT run_id FROM sync_leases WHERE integration = $1 FOR UPDATE',
          [integration],
        );
        const run = await c.query<{ status: string; start_seq: string | null }>(
          'SELECT status, start_seq FROM sync_runs WHERE id = $1',
          [runId],
        );
        const r = run.rows[0];
        if (r?.status !== 'running' || r.start_seq === null || lease.rows[0]?.run_id !== runId) {
          return { deleted: 0, refused: lostLease(runId, integration) };
        }
        const { rows } = await c.query<{ total: number; stale: number }>(
          `SELECT count(*)::int AS total, (count(*) FILTER (WHERE seen_seq < $3))::int AS stale
           FROM entities WHERE integration = $1 AND blueprint = $2`,
          [integration, blueprint, r.start_seq],
        );
        const { total = 0, stale = 0 } = rows[0] ?? {};
        const refused = refusal(blueprint, stale, total, threshold);
        if (refused) return { deleted: 0, refused };
        // Rows only ever leave the stale set (seen_seq grows), so this deletes at most the `stale` counted.
        const result = await c.query(
          'DELETE FROM entities WHERE integration = $1 AND blueprint = $2 AND seen_seq < $3',
          [integration, blueprint, r.start_seq],
        );
        return { deleted: result.rowCount ?? 0 };
      });
    },

    async listRuns(integration, limit = DEFAULT_RUN_LIMIT) {
      const { rows } =
        integration === undefined
          ? await pool.query<RunRow>('SELECT * FROM sync_runs ORDER BY id DESC LIMIT $1', [limit])
          : await pool.query<RunRow>(
              'SELECT * FROM sync_runs WHERE integration = $1 ORDER BY id DESC LIMIT $2',
              [integration, limit],
            );
      return rows.map(runFromRow);
    },
  };
}
