import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type CatalogStore, openCatalog } from './index.js';
import { SEQ_LOCK } from './pg-runs.js';
import {
  begin,
  collect,
  entity,
  type Factory,
  finish,
  keys,
  pgUnavailable,
  postgresFactory,
  sqliteFactory,
  ZERO,
} from './test-stores.js';

const A = { pid: 101, host: 'box-a' };
const B = { pid: 202, host: 'box-b' };
const lostLease = (run: number) => `run ${run} no longer holds the lease of gh; nothing deleted`;

describe.each<Factory>([sqliteFactory(), postgresFactory()])('catalog leases on $name', (factory) => {
  let time = Date.parse('2026-01-01T00:00:00.000Z');
  const now = () => time;
  const iso = (ms = time) => new Date(ms).toISOString();
  const open: CatalogStore[] = [];
  const at = async (target: string) => {
    const store = await openCatalog(target, { now });
    open.push(store);
    return store;
  };
  const fresh = async () => at(await factory.target());
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  afterAll(() => factory.cleanup());

  describe.skipIf(factory.skip)('leases', () => {
    it('answers a live lease with its holder and heartbeat and changes nothing; heartbeats keep it live', async () => {
      const c = await fresh();
      const t0 = time;
      const a = await begin(c, 'gh', ['repos'], { holder: A });
      time += 30_000;
      const busy = await c.startRun('gh', ['repos'], { holder: B });
      const lease = {
        integration: 'gh',
        runId: a,
        holder: A,
        heartbeatAt: iso(t0),
        expiresAt: iso(t0 + 60_000),
      };
      expect(busy).toEqual({ ok: false, lease });
      expect(await c.getLease('gh')).toEqual(lease);
      expect((await c.listRuns('gh')).map((r) => [r.id, r.status])).toEqual([[a, 'running']]);
      expect(await c.heartbeat(a)).toBe(true);
      time += 59_000; // 89 s after the start, 59 s after the heartbeat: still live.
      expect(await c.startRun('gh', ['repos'], { holder: B, isDead: () => false })).toMatchObject({
        ok: false,
        lease: { runId: a, heartbeatAt: iso(t0 + 30_000), expiresAt: iso(t0 + 90_000) },
      });
      expect((await c.listRuns('gh'))[0]).toMatchObject({ id: a, status: 'running', finishedAt: null });
    });

    it('takes an expired lease over: the old run is aborted, loses heartbeat and deletion, keeps aborted', async () => {
      const c = await fresh();
      const t0 = time;
      const a = await begin(c, 'gh', ['repos'], { holder: A, ttlMs: 10_000 });
      await c.upsertBatch('gh', a, [entity('repo', 'x')]);
      time += 10_000;
      const start = await c.startRun('gh', ['repos'], { holder: B });
      expect(start).toMatchObject({ ok: true, startedAt: iso(), tookOver: { runId: a, holder: A } });
      const b = start.ok ? start.runId : -1;
      const old = (await c.listRuns('gh')).find((r) => r.id === a);
      expect(old).toMatchObject({ status: 'aborted', finishedAt: iso() });
      expect(old?.detail).toBe(
        `aborted: taken over by 202@box-b because its lease expired (holder 101@box-a, last heartbeat ${iso(t0)})`,
      );
      expect(await c.heartbeat(a)).toBe(false);
      expect(await c.deleteStale('gh', a, 'repo', 1)).toEqual({ deleted: 0, refused: lostLease(a) });
      expect(keys(await collect(c.exportEntities()))).toEqual(['repo/x']);
      // The old process finishes later: its run stays aborted (counts kept) and the new lease survives.
      time += 1000;
      await c.finishRun(a, { status: 'succeeded', counts: { ...ZERO, records: 1, upserted: 1 } });
      expect((await c.listRuns('gh')).find((r) => r.id === a)).toMatchObject({
        status: 'aborted',
        detail: old?.detail,
        finishedAt: old?.finishedAt,
        counts: { ...ZERO, records: 1, upserted: 1 },
      });
      expect(await c.getLease('gh')).toMatchObject({ runId: b, holder: B });
      expect(await c.heartbeat(b)).toBe(true);
      await finish(c, b);
      expect(await c.getLease('gh')).toBeUndefined();
      expect((await c.listRuns('gh')).map((r) => r.status)).toEqual(['succeeded', 'aborted']);
    });

    it('takes a dead holder’s lease over at once, asking isDead about the holder', async () => {
      const c = await fresh();
      const a = await begin(c, 'gh', ['repos'], { holder: A });
      const asked: unknown[] = [];
      const start = await c.startRun('gh', ['repos'], {
        holder: B,
        isDead: (h) => {
          asked.push(h);
          return h.pid === A.pid && h.host === A.host;
        },
      });
      expect(asked).toEqual([A]);
      expect(start).toMatchObject({ ok: true, tookOver: { runId: a } });
      expect((await c.listRuns('gh')).find((r) => r.id === a)?.detail).toMatch(
        /^aborted: taken over by 202@box-b because its holder is dead \(holder 101@box-a/,
      );
    });

    it('refuses deleteStale for a finished run or another integration’s lease', async () => {
      const c = await fresh();
      const a = await begin(c, 'gh');
      await c.upsertBatch('gh', a, [entity('repo', 'x')]);
      await finish(c, a);
      const b = await begin(c, 'gh');
      expect(await c.deleteStale('gh', a, 'repo', 1)).toEqual({ deleted: 0, refused: lostLease(a) });
      expect(await c.deleteStale('jira', b, 'repo', 1)).toEqual({
        deleted: 0,
        refused: `run ${b} no longer holds the lease of jira; nothing deleted`,
      });
      expect(await c.deleteStale('gh', b, 'repo', 1)).toEqual({ deleted: 1 });
    });

    it('grants exactly one of 10 concurrent startRun calls from two processes', async () => {
      const target = await factory.target();
      const [one, two] = [await at(target), await at(target)];
      const starts = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 === 0 ? one : two).startRun('gh', ['repos'], { holder: { pid: i, host: 'h' } }),
        ),
      );
      const granted = starts.filter((s) => s.ok);
      expect(granted).toHaveLength(1);
      const winner = granted[0]?.ok ? granted[0].runId : -1;
      for (const s of starts) if (!s.ok) expect(s.lease.runId).toBe(winner);
      expect((await one.listRuns('gh')).map((r) => [r.id, r.status])).toEqual([[winner, 'running']]);
    });
  });

  describe.skipIf(factory.skip)('deletion by write order', () => {
    it('keeps what a webhook wrote or saw after the run started, though the run never read it', async () => {
      const c = await fresh();
      const r0 = await begin(c, 'gh');
      await c.upsertBatch(
        'gh',
        r0,
        ['a', 'b', 'c', 'd', 'e'].map((id) => entity('repo', id)),
      );
      expect(await c.upsertEntity('gh', entity('repo', 'early'), { delivery: 'd0' })).toEqual({
        changed: true,
        stale: false,
      });
      await finish(c, r0);
      const run = await begin(c, 'gh');
      await c.upsertBatch('gh', run, [entity('repo', 'a'), entity('repo', 'b')]);
      // After the run started: a new entity, an identical one (still a write in the order), a changed one.
      expect(await c.upsertEntity('gh', entity('repo', 'new'), { delivery: 'd1' })).toEqual({
        changed: true,
        stale: false,
      });
      expect(await c.upsertEntity('gh', entity('repo', 'c'), { delivery: 'd2' })).toEqual({
        changed: false,
        stale: false,
      });
      expect(await c.upsertEntity('gh', entity('repo', 'd', { v: 2 }), { delivery: 'd3' })).toEqual({
        changed: true,
        stale: false,
      });
      expect(await c.deleteStale('gh', run, 'repo', 1)).toEqual({ deleted: 2 });
      const left = await collect(c.exportEntities());
      expect(keys(left)).toEqual(['repo/a', 'repo/b', 'repo/c', 'repo/d', 'repo/new']);
      expect(left.map((e) => e.writtenBy)).toEqual([
        `run:${r0}`,
        `run:${r0}`,
        `run:${r0}`,
        'delivery:d3',
        'delivery:d1',
      ]);
    });

    it('does not let a run overwrite or count an entity a webhook wrote after it started', async () => {
      const c = await fresh();
      const r0 = await begin(c, 'gh');
      await c.upsertBatch('gh', r0, [entity('repo', 'x', { v: 1 }), entity('repo', 'old', { v: 1 })]);
      await finish(c, r0);
      expect(await c.upsertEntity('gh', entity('repo', 'old', { v: 5 }), { delivery: 'before' })).toEqual({
        changed: true,
        stale: false,
      });
      const t1 = time;
      const run = await begin(c, 'gh');
      time += 1000;
      await c.upsertEntity('gh', entity('repo', 'x', { v: 3 }), { delivery: 'hook-1' });
      time += 1000;
      // The run's page was read before the webhook: it must not win. A delivery before the run start may.
      const batch = [entity('repo', 'x', { v: 2 }), entity('repo', 'y'), entity('repo', 'old', { v: 6 })];
      expect(await c.upsertBatch('gh', run, batch)).toEqual({ upserted: 2, unchanged: 0 });
      expect(await c.upsertBatch('gh', run, [entity('repo', 'x', { v: 3 })])).toEqual({
        upserted: 0,
        unchanged: 0,
      });
      const byId = Object.fromEntries((await collect(c.exportEntities())).map((e) => [e.identifier, e]));
      expect(byId.x).toMatchObject({
        properties: { v: 3 },
        writtenBy: 'delivery:hook-1',
        updatedAt: iso(t1 + 1000),
      });
      expect(byId.old).toMatchObject({ properties: { v: 6 }, writtenBy: `run:${run}` });
      expect(byId.y).toMatchObject({ writtenBy: `run:${run}` });
      await finish(c, run);
      // The next run started after the webhook: what it reads is newer, so it writes.
      const next = await begin(c, 'gh');
      expect(await c.upsertBatch('gh', next, [entity('repo', 'x', { v: 4 })])).toEqual({
        upserted: 1,
        unchanged: 0,
      });
      expect((await collect(c.exportEntities())).find((e) => e.identifier === 'x')?.writtenBy).toBe(
        `run:${next}`,
      );
    });

    it('after a takeover, deletes what the old run wrote before but not what it wrote after', async () => {
      const c = await fresh();
      const a = await begin(c, 'gh', ['repos'], { holder: A, ttlMs: 1000 });
      await c.upsertBatch('gh', a, [entity('repo', 'before'), entity('repo', 'both')]);
      time += 1000;
      const b = await begin(c, 'gh', ['repos'], { holder: B });
      // The old holder did not know it lost the lease and writes on: newer than B's start, so kept.
      await c.upsertBatch('gh', a, [entity('repo', 'zombie')]);
      await c.upsertBatch('gh', b, [entity('repo', 'both')]);
      expect(await c.deleteStale('gh', a, 'repo', 1)).toEqual({ deleted: 0, refused: lostLease(a) });
      expect(await c.deleteStale('gh', b, 'repo', 1)).toEqual({ deleted: 1 });
      expect(keys(await collect(c.exportEntities()))).toEqual(['repo/both', 'repo/zombie']);
    });

    it('writes and deletes single entities outside a run', async () => {
      const c = await fresh();
      const t0 = iso();
      expect(await c.upsertEntity('gh', entity('repo', 'a', { n: 1 }), { delivery: '1' })).toEqual({
        changed: true,
        stale: false,
      });
      time += 5000;
      expect(await c.upsertEntity('gh', entity('repo', 'a', { n: 1 }), { delivery: '2' })).toEqual({
        changed: false,
        stale: false,
      });
      const [stored] = await collect(c.exportEntities());
      expect(stored).toMatchObject({
        integration: 'gh',
        createdAt: t0,
        updatedAt: t0,
        writtenBy: 'delivery:1',
      });
      expect(await c.deleteEntity('gh', 'repo', 'a', { delivery: '3' })).toEqual({
        changed: true,
        stale: false,
      });
      expect(await c.deleteEntity('gh', 'repo', 'a', { delivery: '4' })).toEqual({
        changed: false,
        stale: false,
      });
      expect(await collect(c.exportEntities())).toEqual([]);
    });
  });
});

describe.skipIf(pgUnavailable)('write order on postgres', () => {
  const factory = postgresFactory();
  afterAll(() => factory.cleanup());

  it('starts a run only after every writer that drew an earlier value has committed', async () => {
    const target = await factory.target();
    const c = await openCatalog(target);
    const writer = new pg.Client({ connectionString: target });
    await writer.connect();
    try {
      // A writer in flight, as upsertBatch is between drawing its value and committing.
      await writer.query('BEGIN');
      await writer.query('SELECT pg_advisory_xact_lock_shared($1)', [SEQ_LOCK]);
      const drawn = await writer.query<{ seq: string }>("SELECT nextval('catalog_seq')::text AS seq");
      const starting = c.startRun('gh', ['repos'], { holder: { pid: 1, host: 'h' } });
      // Wait (no sleep-and-hope) until startRun is queued on the write-order lock.
      for (let tries = 0; ; tries++) {
        if (tries === 1000) throw new Error('startRun did not wait for the writer in flight');
        const { rows } = await writer.query(
          "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = $1",
          [SEQ_LOCK],
        );
        if (rows.length > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await writer.query(
        `INSERT INTO entities (integration, blueprint, identifier, title, properties, relations, created_at,
           updated_at, content_hash, seen_seq) VALUES ('gh', 'repo', 'late', NULL, '{}', '{}', 'x', 'x', 'h', $1)`,
        [drawn.rows[0]?.seq],
      );
      await writer.query('COMMIT');
      const start = await starting;
      if (!start.ok) throw new Error('lease busy');
      const [run] = await factory.rows(
        target,
        `SELECT start_seq::text AS s FROM sync_runs WHERE id = ${start.runId}`,
      );
      expect(BigInt(String(run?.s))).toBeGreaterThan(BigInt(String(drawn.rows[0]?.seq)));
      // The writer committed before the run started and the run did not see it: stale, so deleted.
      expect(await c.deleteStale('gh', start.runId, 'repo', 1)).toEqual({ deleted: 1 });
    } finally {
      await writer.end();
      await c.close();
    }
  });
});
