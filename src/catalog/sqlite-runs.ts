import type Database from 'better-sqlite3';
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
import type { CatalogStore, LeaseOptions, RunOutcome, RunStart } from './types.js';

type RunsPart = Pick<
  CatalogStore,
  'startRun' | 'heartbeat' | 'getLease' | 'finishRun' | 'listRuns' | 'deleteStale'
>;

/** The next value of the catalog-wide write order; call inside a write transaction. */
export function sqliteSequence(db: Database.Database): () => number {
  const next = db.prepare('UPDATE catalog_seq SET value = value + 1 WHERE id = 1 RETURNING value');
  return () => (next.get() as { value: number }).value;
}

/** Runs, leases and stale deletion on SQLite: every transaction is IMMEDIATE (the write lock first). */
export function sqliteRuns(db: Database.Database, now: () => number): RunsPart {
  const nextSeq = sqliteSequence(db);
  const leaseOf = db.prepare('SELECT * FROM sync_leases WHERE integration = ?');
  const abortRun = db.prepare(
    "UPDATE sync_runs SET status = 'aborted', finished_at = ?, detail = ? WHERE id = ? AND status = 'running'",
  );
  const abortUnleased = db.prepare(`
    UPDATE sync_runs SET status = 'aborted', finished_at = ?, detail = ?
    WHERE integration = ? AND status = 'running' AND id NOT IN (SELECT run_id FROM sync_leases)`);
  const insertRun = db.prepare(`
    INSERT INTO sync_runs (integration, status, started_at, kinds, holder, start_seq)
    VALUES (?, 'running', ?, ?, ?, ?) RETURNING id`);
  const putLease = db.prepare(`
    INSERT INTO sync_leases (integration, run_id, holder_pid, holder_host, heartbeat_at, expires_at, ttl_ms)
    VALUES (@integration, @runId, @pid, @host, @heartbeatAt, @expiresAt, @ttlMs)
    ON CONFLICT (integration) DO UPDATE SET run_id = excluded.run_id, holder_pid = excluded.holder_pid,
      holder_host = excluded.holder_host, heartbeat_at = excluded.heartbeat_at,
      expires_at = excluded.expires_at, ttl_ms = excluded.ttl_ms`);

  const startRun = db.transaction((integration: string, kinds: string[], opts: LeaseOptions): RunStart => {
    const nowMs = now();
    const at = new Date(nowMs).toISOString();
    const row = leaseOf.get(integration) as LeaseRow | undefined;
    const old = row && leaseFromRow(row);
    if (old && !mayTakeOver(old, nowMs, opts.isDead)) return { ok: false, lease: old };
    if (old) abortRun.run(at, takeoverDetail(old, opts.holder, nowMs), old.runId);
    const startSeq = nextSeq();
    const { id } = insertRun.get(
      integration,
      at,
      JSON.stringify(kinds),
      holderName(opts.holder),
      startSeq,
    ) as { id: number };
    const ttlMs = opts.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    putLease.run({ integration, runId: id, ...opts.holder, ...leaseTimes(nowMs, ttlMs), ttlMs });
    // After the new lease is in place: what is still running without a lease row is from schema v1.
    abortUnleased.run(at, ABORTED_DETAIL, integration);
    return old
      ? { ok: true, runId: id, startedAt: at, tookOver: old }
      : { ok: true, runId: id, startedAt: at };
  });

  const leaseOfRun = db.prepare('SELECT ttl_ms FROM sync_leases WHERE run_id = ?');
  const renew = db.prepare('UPDATE sync_leases SET heartbeat_at = ?, expires_at = ? WHERE run_id = ?');
  const heartbeat = db.transaction((runId: number) => {
    const row = leaseOfRun.get(runId) as { ttl_ms: number } | undefined;
    if (row === undefined) return false;
    const { heartbeatAt, expiresAt } = leaseTimes(now(), row.ttl_ms);
    return renew.run(heartbeatAt, expiresAt, runId).changes > 0;
  });

  // A run aborted by a takeover stays aborted (with its takeover detail); its counts are still kept.
  const finish = db.prepare(`
    UPDATE sync_runs SET
      status = CASE status WHEN 'aborted' THEN status ELSE @status END,
      finished_at = CASE status WHEN 'aborted' THEN coalesce(finished_at, @at) ELSE @at END,
      detail = CASE status WHEN 'aborted' THEN detail ELSE @detail END,
      requests = @requests, retries = @retries, records = @records, upserted = @upserted,
      unchanged = @unchanged, deleted = @deleted, skipped = @skipped,
      kind_results = @kindResults, error_code = @errorCode, error_message = @errorMessage
    WHERE id = @id`);
  const release = db.prepare('DELETE FROM sync_leases WHERE run_id = ?');
  const finishRun = db.transaction((runId: number, o: RunOutcome) => {
    finish.run({
      ...o.counts,
      id: runId,
      status: o.status,
      at: new Date(now()).toISOString(),
      detail: o.detail ?? null,
      kindResults: JSON.stringify(o.kinds ?? []),
      errorCode: o.errorCode ?? null,
      errorMessage: o.errorMessage ?? null,
    });
    release.run(runId);
  });

  const runOf = db.prepare('SELECT status, start_seq FROM sync_runs WHERE id = ?');
  const counts = db.prepare(`
    SELECT count(*) AS total, coalesce(sum(seen_seq < ?), 0) AS stale
    FROM entities WHERE blueprint = ? AND integration = ?`);
  const deleteRows = db.prepare(
    'DELETE FROM entities WHERE blueprint = ? AND integration = ? AND seen_seq < ?',
  );
  const deleteStale = db.transaction(
    (integration: string, runId: number, blueprint: string, threshold: number) => {
      const run = runOf.get(runId) as { status: string; start_seq: number | null } | undefined;
      const lease = leaseOf.get(integration) as LeaseRow | undefined;
      if (run?.status !== 'running' || run.start_seq === null || lease?.run_id !== runId) {
        return { deleted: 0, refused: lostLease(runId, integration) };
      }
      const { total, stale } = counts.get(run.start_seq, blueprint, integration) as {
        total: number;
        stale: number;
      };
      const refused = refusal(blueprint, stale, total, threshold);
      if (refused) return { deleted: 0, refused };
      return { deleted: deleteRows.run(blueprint, integration, run.start_seq).changes };
    },
  );

  const recent = db.prepare('SELECT * FROM sync_runs ORDER BY id DESC LIMIT ?');
  const recentOf = db.prepare('SELECT * FROM sync_runs WHERE integration = ? ORDER BY id DESC LIMIT ?');

  return {
    async startRun(integration, kinds, lease) {
      return startRun.immediate(integration, kinds, lease);
    },
    async heartbeat(runId) {
      return heartbeat.immediate(runId);
    },
    async getLease(integration) {
      const row = leaseOf.get(integration) as LeaseRow | undefined;
      return row && leaseFromRow(row);
    },
    async finishRun(runId, outcome) {
      finishRun.immediate(runId, outcome);
    },
    async deleteStale(integration, runId, blueprint, threshold) {
      return deleteStale.immediate(integration, runId, blueprint, threshold);
    },
    async listRuns(integration, limit = DEFAULT_RUN_LIMIT) {
      const rows = (
        integration === undefined ? recent.all(limit) : recentOf.all(integration, limit)
      ) as RunRow[];
      return rows.map(runFromRow);
    },
  };
}
