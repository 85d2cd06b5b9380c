import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CatalogStore, type Entity, openCatalog } from './index.js';
import {
  begin,
  collect,
  entity,
  type Factory,
  finish,
  HOLDER,
  keys,
  pgUnavailable,
  postgresFactory,
  sqliteFactory,
  ZERO,
} from './test-stores.js';

if (pgUnavailable) console.warn(pgUnavailable);

describe.each<Factory>([sqliteFactory(), postgresFactory()])('catalog on $name', (factory) => {
  let time = Date.parse('2026-01-01T00:00:00.000Z');
  const now = () => time;
  const open: CatalogStore[] = [];
  const fresh = async () => {
    const store = await openCatalog(await factory.target(), { now });
    open.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  afterAll(() => factory.cleanup());

  describe.skipIf(factory.skip)('behaviour', () => {
    it('counts inserted and changed entities as upserted, identical ones as unchanged', async () => {
      const c = await fresh();
      const r1 = await begin(c, 'gh', ['repos']);
      const batch = [entity('repo', 'a', { n: 1 }), entity('repo', 'b'), entity('repo', 'c')];
      expect(await c.upsertBatch('gh', r1, batch)).toEqual({ upserted: 3, unchanged: 0 });
      await finish(c, r1);
      const r2 = await begin(c, 'gh', ['repos']);
      expect(await c.upsertBatch('gh', r2, batch)).toEqual({ upserted: 0, unchanged: 3 });
      const changed = [entity('repo', 'a', { n: 2 }), entity('repo', 'b'), entity('repo', 'c')];
      expect(await c.upsertBatch('gh', r2, changed)).toEqual({ upserted: 1, unchanged: 2 });
      // The same key twice in one batch is written once, last occurrence winning.
      expect(
        await c.upsertBatch('gh', r2, [entity('repo', 'd', { v: 1 }), entity('repo', 'd', { v: 2 })]),
      ).toEqual({
        upserted: 1,
        unchanged: 0,
      });
      const all = await collect(c.exportEntities());
      expect(all.find((e) => e.identifier === 'd')?.properties).toEqual({ v: 2 });
    });

    it('does not rewrite an unchanged entity: updated_at stays, created_at survives a change', async () => {
      const c = await fresh();
      const t0 = new Date(time).toISOString();
      const r1 = await begin(c, 'gh', ['repos']);
      await c.upsertBatch('gh', r1, [
        entity('repo', 'a', { x: 1, y: [1, 2] }),
        entity('repo', 'b', { x: 1 }),
      ]);
      time += 60_000;
      await finish(c, r1);
      const r2 = await begin(c, 'gh', ['repos']);
      const result = await c.upsertBatch('gh', r2, [
        entity('repo', 'a', { x: 1, y: [1, 2] }),
        entity('repo', 'b', { x: 2 }),
      ]);
      expect(result).toEqual({ upserted: 1, unchanged: 1 });
      // The hash covers the stored bytes: reordered keys change the exported line, so they count as a change.
      expect(await c.upsertBatch('gh', r2, [entity('repo', 'b', { x: 2, y: 0 })])).toEqual({
        upserted: 1,
        unchanged: 0,
      });
      expect(await c.upsertBatch('gh', r2, [entity('repo', 'b', { y: 0, x: 2 })])).toEqual({
        upserted: 1,
        unchanged: 0,
      });
      const [a, b] = await collect(c.exportEntities());
      expect(a).toMatchObject({
        identifier: 'a',
        createdAt: t0,
        updatedAt: t0,
        properties: { x: 1, y: [1, 2] },
      });
      expect(b).toMatchObject({ identifier: 'b', createdAt: t0, updatedAt: new Date(time).toISOString() });
      expect(JSON.stringify(b?.properties)).toBe('{"y":0,"x":2}');
    });

    it('marks unchanged entities seen, so deleteStale removes exactly the unseen ones', async () => {
      const c = await fresh();
      const r1 = await begin(c, 'gh', ['repos']);
      await c.upsertBatch(
        'gh',
        r1,
        ['a', 'b', 'c', 'd', 'e'].map((id) => entity('repo', id)),
      );
      await c.upsertBatch('other', r1, [entity('repo', 'z')]);
      await finish(c, r1);
      const r2 = await begin(c, 'gh', ['repos']);
      await c.upsertBatch(
        'gh',
        r2,
        ['a', 'c', 'e', 'f'].map((id) => entity('repo', id)),
      );
      expect(await c.deleteStale('gh', r2, 'repo', 0.5)).toEqual({ deleted: 2 });
      expect(keys(await collect(c.exportEntities({ integration: 'gh' })))).toEqual([
        'repo/a',
        'repo/c',
        'repo/e',
        'repo/f',
      ]);
      // Another integration's entities of the same blueprint are not this run's business.
      expect(keys(await collect(c.exportEntities({ integration: 'other' })))).toEqual(['repo/z']);
      expect(await c.deleteStale('gh', r2, 'repo', 0.5)).toEqual({ deleted: 0 });
    });

    it('refuses a deletion above the threshold, naming the blueprint and the numbers', async () => {
      const c = await fresh();
      const r1 = await begin(c, 'gh', ['repos', 'teams']);
      const ids = Array.from({ length: 10 }, (_, i) => `r${i}`);
      await c.upsertBatch('gh', r1, [
        ...ids.map((id) => entity('repo', id)),
        entity('team', 't1'),
        entity('team', 't2'),
      ]);
      await finish(c, r1);
      const r2 = await begin(c, 'gh', ['repos', 'teams']);
      await c.upsertBatch('gh', r2, [
        ...ids.slice(0, 7).map((id) => entity('repo', id)),
        entity('team', 't1'),
      ]);
      const refused = await c.deleteStale('gh', r2, 'repo', 0.2);
      expect(refused.deleted).toBe(0);
      expect(refused.refused).toBe(
        'refused to delete 3 of 10 entities of blueprint "repo" (30% > deletionThreshold 20%)',
      );
      expect(await collect(c.exportEntities({ blueprint: 'repo' }))).toHaveLength(10);
      // Other blueprints are unaffected by a refusal and reconcile on their own.
      expect(await c.deleteStale('gh', r2, 'team', 0.5)).toEqual({ deleted: 1 });
      expect(await c.deleteStale('gh', r2, 'repo', 0.3)).toEqual({ deleted: 3 });
      expect(await collect(c.exportEntities({ blueprint: 'repo' }))).toHaveLength(7);
    });

    it('applies a batch atomically: a failure mid-batch writes nothing', async () => {
      const c = await fresh();
      const r1 = await begin(c, 'gh', ['repos']);
      const bad = [entity('repo', 'a'), entity('repo', 'b', { big: 1n }), entity('repo', 'c')];
      await expect(c.upsertBatch('gh', r1, bad)).rejects.toThrow(/BigInt/);
      expect(await collect(c.exportEntities())).toEqual([]);
    });

    it('pages written at once each get counts for their own entities, and the later copy of an entity wins', async () => {
      const c = await fresh();
      const r1 = await begin(c, 'gh', ['repos']);
      await c.upsertBatch('gh', r1, [entity('repo', 'old-0')]);
      const pages = Array.from({ length: 12 }, (_, n) => [
        entity('repo', `p${n}-a`),
        entity('repo', `p${n}-b`),
      ]);
      // Page 3 repeats an entity already stored (unchanged) and, changed, one of page 2.
      pages[3] = [entity('repo', 'old-0'), entity('repo', 'p2-a', { v: 2 })];
      const counts = await Promise.all(pages.map((page) => c.upsertBatch('gh', r1, page)));
      for (const k of counts) expect(k.upserted + k.unchanged).toBe(2);
      expect(counts[3]).toEqual({ upserted: 1, unchanged: 1 });
      const stored = await collect(c.exportEntities());
      expect(stored).toHaveLength(1 + 11 * 2);
      expect(stored.find((e) => e.identifier === 'p2-a')?.properties).toEqual({ v: 2 });
    });

    it('a bad page among pages written at once fails alone, writing none of its entities', async () => {
      const c = await fresh();
      const r1 = await begin(c, 'gh', ['repos']);
      const pages = Array.from({ length: 12 }, (_, n) => [
        entity('repo', `p${n}-a`),
        entity('repo', `p${n}-b`),
      ]);
      pages[7] = [entity('repo', 'p7-a'), entity('repo', 'p7-b', { big: 1n })];
      const results = await Promise.allSettled(pages.map((page) => c.upsertBatch('gh', r1, page)));
      expect(results.map((r) => r.status)).toEqual(pages.map((_, n) => (n === 7 ? 'rejected' : 'fulfilled')));
      expect(String((results[7] as PromiseRejectedResult).reason)).toMatch(/BigInt/);
      for (const r of results)
        if (r.status === 'fulfilled') expect(r.value).toEqual({ upserted: 2, unchanged: 0 });
      const stored = keys(await collect(c.exportEntities()));
      expect(stored).toHaveLength(11 * 2);
      expect(stored).not.toContain('repo/p7-a');
    });

    it('records the run lifecycle with per-kind outcomes, and aborts a killed run once its lease expires', async () => {
      const c = await fresh();
      const t0 = new Date(time).toISOString();
      const killed = await begin(c, 'gh', ['repos'], { holder: { pid: 7, host: 'old-box' } });
      const elsewhere = await begin(c, 'jira', ['issues']);
      time += 60_000;
      const t1 = new Date(time).toISOString();
      const next = await begin(c, 'gh', ['repos', 'teams']);
      expect(next).toBeGreaterThan(elsewhere);
      const counts = {
        ...ZERO,
        requests: 4,
        retries: 1,
        records: 30,
        upserted: 28,
        unchanged: 2,
        skipped: 1,
      };
      const kinds = [
        { ...counts, kind: 'repos', status: 'succeeded' as const, durationMs: 120 },
        {
          ...ZERO,
          kind: 'teams',
          status: 'failed' as const,
          errorCode: 'E_SERVER',
          errorMessage: '500 Internal Server Error',
          durationMs: 30,
        },
      ];
      time += 1000;
      await c.finishRun(next, {
        status: 'failed',
        counts,
        detail: 'kind teams: 500 Internal Server Error',
        kinds,
        errorCode: 'E_SERVER',
        errorMessage: '500 Internal Server Error',
      });
      const runs = await c.listRuns('gh');
      expect(runs).toEqual([
        {
          id: next,
          integration: 'gh',
          status: 'failed',
          startedAt: t1,
          finishedAt: new Date(time).toISOString(),
          kinds: ['repos', 'teams'],
          counts,
          detail: 'kind teams: 500 Internal Server Error',
          kindResults: kinds,
          errorCode: 'E_SERVER',
          errorMessage: '500 Internal Server Error',
          holder: `${HOLDER.pid}@${HOLDER.host}`,
        },
        expect.objectContaining({
          id: killed,
          status: 'aborted',
          startedAt: t0,
          finishedAt: t1,
          kinds: ['repos'],
          holder: '7@old-box',
          kindResults: [],
        }),
      ]);
      expect(runs[1]?.detail).toBe(
        `aborted: taken over by ${HOLDER.pid}@${HOLDER.host} because its lease expired (holder 7@old-box, last heartbeat ${t0})`,
      );
      // Another integration's running run is left alone, and finishing releases the lease.
      expect((await c.listRuns('jira'))[0]).toMatchObject({
        id: elsewhere,
        status: 'running',
        finishedAt: null,
      });
      expect(await c.getLease('gh')).toBeUndefined();
      expect(await c.getLease('jira')).toMatchObject({ runId: elsewhere });
      expect((await c.listRuns(undefined, 2)).map((r) => r.id)).toEqual([next, elsewhere]);
    });

    it('round-trips state as JSON per integration and key', async () => {
      const c = await fresh();
      expect(await c.getState('gh', 'cursor')).toBeUndefined();
      const value = {
        since: '2026-01-01T00:00:00Z',
        pages: [1, 2],
        nested: { ok: true, none: null },
        ünï: 'ß',
      };
      await c.setState('gh', 'cursor', value);
      await c.setState('jira', 'cursor', 7);
      expect(await c.getState('gh', 'cursor')).toEqual(value);
      await c.setState('gh', 'cursor', 'replaced');
      expect(await c.getState('gh', 'cursor')).toBe('replaced');
      expect(await c.getState('jira', 'cursor')).toBe(7);
      await c.setState('gh', 'flag', null);
      expect(await c.getState('gh', 'flag')).toBeNull();
    });

    it('exports sorted by blueprint then identifier across pages, filtered by blueprint and search', async () => {
      const c = await fresh();
      const r1 = await begin(c, 'gh', ['all']);
      const many = Array.from({ length: 1203 }, (_, i) =>
        entity('user', `u${String(1202 - i).padStart(4, '0')}`),
      );
      await c.upsertBatch('gh', r1, many);
      await c.upsertBatch('gh', r1, [
        { ...entity('team', 'Zeta'), title: 'Platform Core' },
        { ...entity('team', 'alpha'), title: 'Payments' },
        entity('repo', 'inlet'),
      ]);
      await c.upsertBatch('other', r1, [entity('repo', 'inlet'), entity('repo', 'a')]);
      const all = await collect(c.exportEntities());
      expect(all).toHaveLength(1208);
      expect(keys(all).slice(0, 6)).toEqual([
        'repo/a',
        'repo/inlet',
        'repo/inlet',
        'team/Zeta',
        'team/alpha',
        'user/u0000',
      ]);
      expect(all.slice(1, 3).map((e) => e.integration)).toEqual(['gh', 'other']);
      const users = await collect(c.exportEntities({ blueprint: 'user' }));
      expect(users.map((e) => e.identifier)).toEqual([...many.map((e) => e.identifier)].sort());
      expect(keys(await collect(c.exportEntities({ search: 'PLATFORM' })))).toEqual(['team/Zeta']);
      expect(keys(await collect(c.exportEntities({ search: 'u120' })))).toEqual([
        'user/u1200',
        'user/u1201',
        'user/u1202',
      ]);
      expect(keys(await collect(c.exportEntities({ integration: 'gh', blueprint: 'repo' })))).toEqual([
        'repo/inlet',
      ]);
    });
  });
});

describe.skipIf(pgUnavailable)('SQLite and PostgreSQL', () => {
  const sqlite = sqliteFactory();
  const postgres = postgresFactory();
  let stores: CatalogStore[] = [];
  beforeAll(async () => {
    const fixed = () => Date.parse('2026-03-04T05:06:07.089Z');
    stores = [
      await openCatalog(await sqlite.target(), { now: fixed }),
      await openCatalog(await postgres.target(), { now: fixed }),
    ];
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await sqlite.cleanup();
    await postgres.cleanup();
  });

  it('export byte-identical NDJSON for the same data, keeping the key order of properties', async () => {
    const data: Entity[] = [
      {
        blueprint: 'service',
        identifier: 'zürich-api',
        title: 'Zürich API 🚀',
        properties: {
          zeta: 1,
          alpha: { nested: [1, 'two', { deep: null }], ключ: 'значение' },
          f: 1.5,
          t: true,
        },
        relations: { owner: 'team-ü', deps: ['b', 'a'] },
      },
      { blueprint: 'service', identifier: 'Zed', title: null, properties: {}, relations: {} },
      {
        blueprint: 'service',
        identifier: 'ábc',
        title: '日本語',
        properties: { s: 'a"b\\c\n' },
        relations: {},
      },
      { blueprint: 'team', identifier: 'team-ü', title: 'Team Ü', properties: { members: 3 }, relations: {} },
    ];
    const lines: string[][] = [];
    for (const store of stores) {
      const run = await begin(store, 'gh', ['all']);
      await store.upsertBatch('gh', run, data);
      lines.push((await collect(store.exportEntities())).map((e) => JSON.stringify(e)));
    }
    expect(lines[0]).toHaveLength(4);
    expect(lines[1]).toEqual(lines[0]);
    expect(lines[0]?.[0]).toContain('"identifier":"Zed"');
    expect(lines[0]?.[1]).toContain('"properties":{"zeta":1,"alpha":{"nested"');
  });
});

describe.skipIf(pgUnavailable)('catalog on postgres: group commit', () => {
  const factory = postgresFactory();
  const now = () => Date.parse('2026-01-01T00:00:00.000Z');
  const open: CatalogStore[] = [];
  afterAll(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
    await factory.cleanup();
  });

  it('writes pages that arrive together in fewer transactions than pages', async () => {
    const target = await factory.target();
    const c = await openCatalog(target, { now });
    open.push(c);
    const r1 = await begin(c, 'gh', ['repos']);
    const pages = Array.from({ length: 40 }, (_, n) => [entity('repo', `p${n}`)]);
    await Promise.all(pages.map((page) => c.upsertBatch('gh', r1, page)));
    const [row] = await factory.rows(
      target,
      'SELECT count(DISTINCT write_seq)::int AS n, count(*)::int AS e FROM entities',
    );
    expect(row).toMatchObject({ e: 40 });
    // One write_seq per transaction: the first page alone, the 39 that queued behind it together.
    expect(Number(row?.n)).toBeLessThanOrEqual(2);
  });

  it('takes an integration name with quotes and backslashes as data in its prelude', async () => {
    const target = await factory.target();
    const c = await openCatalog(target, { now });
    open.push(c);
    const name = "o'b\\x'); SELECT pg_sleep(5); --";
    const r1 = await begin(c, name, ['repos']);
    expect(await c.upsertBatch(name, r1, [entity('repo', 'a')])).toEqual({ upserted: 1, unchanged: 0 });
    expect((await collect(c.exportEntities({ integration: name }))).map((e) => e.identifier)).toEqual(['a']);
  });
});
