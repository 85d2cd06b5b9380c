import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type CatalogStore, type InboxEntry, openCatalog } from './index.js';
import { type Factory, postgresFactory, sqliteFactory } from './test-stores.js';

const delivery = (deliveryId: string, kind = 'issue') => ({
  deliveryId,
  kind,
  body: JSON.stringify({ headers: { 'x-event': kind }, body: { id: deliveryId } }),
});
const ids = (entries: InboxEntry[]) => entries.map((e) => e.deliveryId);

describe.each<Factory>([sqliteFactory(), postgresFactory()])('webhook inbox on $name', (factory) => {
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
  /** Stores deliveries `d-<n>` for each n, one per millisecond; their inbox ids. */
  const add = async (c: CatalogStore, n: number, integration = 'gh') => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      out.push((await c.addDelivery(integration, delivery(`d-${i}`))).id);
      time += 1;
    }
    return out;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  afterAll(() => factory.cleanup());

  describe.skipIf(factory.skip)('storing', () => {
    it('stores a delivery once: a repeated id answers the first id and stores nothing', async () => {
      const c = await fresh();
      const t0 = iso();
      const first = await c.addDelivery('gh', delivery('d-1'));
      expect(first.duplicate).toBe(false);
      time += 1000;
      const again = await c.addDelivery('gh', { ...delivery('d-1', 'other'), body: '{"changed":true}' });
      expect(again).toEqual({ id: first.id, duplicate: true });
      // The same provider id under another integration is another delivery.
      const elsewhere = await c.addDelivery('jira', delivery('d-1'));
      expect(elsewhere.duplicate).toBe(false);
      expect(elsewhere.id).not.toBe(first.id);
      expect(await c.listDeliveries('gh')).toEqual([
        {
          id: first.id,
          integration: 'gh',
          deliveryId: 'd-1',
          kind: 'issue',
          body: delivery('d-1').body,
          status: 'pending',
          attempts: 0,
          lastError: null,
          receivedAt: t0,
          appliedAt: null,
          nextAttemptAt: null,
        },
      ]);
      expect(await c.inboxCounts('gh')).toEqual({ pending: 1, dead: 0 });
    });

    it('stores one of many concurrent deliveries of one id from two processes', async () => {
      const target = await factory.target();
      const [one, two] = [await at(target), await at(target)];
      for (let round = 0; round < 5; round++) {
        const answers = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            (i % 2 === 0 ? one : two).addDelivery('gh', delivery(`r-${round}`)),
          ),
        );
        expect(answers.filter((a) => !a.duplicate)).toHaveLength(1);
        expect(new Set(answers.map((a) => a.id)).size).toBe(1);
      }
      expect(ids(await one.listDeliveries('gh'))).toEqual(['r-4', 'r-3', 'r-2', 'r-1', 'r-0']);
    });

    it('stores 50 concurrent deliveries, copies of each other among them, each once with the right answer', async () => {
      const c = await fresh();
      await c.addDelivery('gh', delivery('g-0'));
      // 20 ids: g-0 stored before; every id sent 2 or 3 times at once, in one event-loop turn.
      const sent = Array.from({ length: 50 }, (_, i) => `g-${i % 20}`);
      const answers = await Promise.all(sent.map((id) => c.addDelivery('gh', delivery(id))));
      const byId = new Map<string, Array<{ id: number; duplicate: boolean }>>();
      for (const [i, id] of sent.entries()) {
        byId.set(id, [...(byId.get(id) ?? []), answers[i] as { id: number; duplicate: boolean }]);
      }
      for (const [id, got] of byId) {
        // One new row per id (none for g-0, stored before); every copy answers that row's id.
        expect(
          got.filter((a) => !a.duplicate),
          id,
        ).toHaveLength(id === 'g-0' ? 0 : 1);
        expect(new Set(got.map((a) => a.id)).size, id).toBe(1);
      }
      const stored = await c.listDeliveries('gh', { limit: 100 });
      expect(stored).toHaveLength(20);
      expect(new Set(stored.map((e) => e.deliveryId)).size).toBe(20);
      const storedIds = new Map(stored.map((e) => [e.deliveryId, e.id]));
      for (const [id, got] of byId) expect(got[0]?.id).toBe(storedIds.get(id));
      expect(stored.every((e) => e.body === delivery(e.deliveryId).body)).toBe(true);
    });

    it('a delivery that cannot be stored fails alone: the others added with it are stored', async () => {
      const c = await fresh();
      const bad = { deliveryId: 'bad', kind: null, body: '{}' } as unknown as ReturnType<typeof delivery>;
      const answers = await Promise.allSettled([
        c.addDelivery('gh', delivery('ok-1')),
        c.addDelivery('gh', bad),
        c.addDelivery('gh', delivery('ok-2')),
      ]);
      expect(answers.map((a) => a.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(ids(await c.listDeliveries('gh'))).toEqual(['ok-2', 'ok-1']);
    });

    it('lists newest first, filtered by status, 50 by default; counts pending and dead', async () => {
      const c = await fresh();
      const all = await add(c, 60);
      const listed = await c.listDeliveries('gh');
      expect(listed).toHaveLength(50);
      expect(listed.map((e) => e.id)).toEqual(all.slice(10).reverse());
      expect(ids(await c.listDeliveries('gh', { limit: 3 }))).toEqual(['d-59', 'd-58', 'd-57']);
      await c.settleDelivery(all[0] ?? 0, { status: 'dead', error: 'E_MAPPING: no .id' });
      await c.settleDelivery(all[1] ?? 0, { status: 'applied' });
      await c.settleDelivery(all[2] ?? 0, { status: 'stale' });
      expect(ids(await c.listDeliveries('gh', { status: 'dead' }))).toEqual(['d-0']);
      expect(ids(await c.listDeliveries('gh', { status: 'applied' }))).toEqual(['d-1']);
      expect(ids(await c.listDeliveries('gh', { status: 'stale' }))).toEqual(['d-2']);
      expect(await c.listDeliveries('gh', { status: 'pending', limit: 100 })).toHaveLength(57);
      expect(await c.inboxCounts('gh')).toEqual({ pending: 57, dead: 1 });
      expect(await c.inboxCounts('jira')).toEqual({ pending: 0, dead: 0 });
      expect(await c.listDeliveries('jira')).toEqual([]);
    });
  });

  describe.skipIf(factory.skip)('claiming and settling', () => {
    it('claims due pending entries oldest first, only this integration’s, until the claim expires', async () => {
      const c = await fresh();
      const gh = await add(c, 5);
      await c.addDelivery('jira', delivery('j-1'));
      const claimed = await c.claimDeliveries('gh', { limit: 3, claimMs: 30_000 });
      expect(claimed.map((e) => e.id)).toEqual(gh.slice(0, 3));
      expect(claimed[0]).toMatchObject({ integration: 'gh', status: 'pending', attempts: 0 });
      // Claimed entries are not handed out again; the rest are.
      expect((await c.claimDeliveries('gh', { limit: 10, claimMs: 30_000 })).map((e) => e.id)).toEqual(
        gh.slice(3),
      );
      expect(await c.claimDeliveries('gh', { limit: 10, claimMs: 30_000 })).toEqual([]);
      // The applier holding the first three was killed: its entries come back once the claim expires.
      time += 29_999;
      await c.settleDelivery(gh[3] ?? 0, { status: 'applied' });
      expect(await c.claimDeliveries('gh', { limit: 10, claimMs: 30_000 })).toEqual([]);
      time += 2;
      expect((await c.claimDeliveries('gh', { limit: 10, claimMs: 30_000 })).map((e) => e.id)).toEqual([
        ...gh.slice(0, 3),
        gh[4],
      ]);
    });

    it('settles: attempts counted, retry waits until retryAt, dead and applied leave the queue', async () => {
      const c = await fresh();
      const [a = 0, b = 0, d = 0] = await add(c, 3);
      await c.claimDeliveries('gh', { limit: 10, claimMs: 60_000 });
      const t = time;
      await c.settleDelivery(a, { status: 'retry', error: 'E_SERVER: 503 from /repos/x', retryAt: t + 1000 });
      await c.settleDelivery(b, { status: 'dead', error: 'E_MAPPING: .id is null' });
      await c.settleDelivery(d, { status: 'applied' });
      const byId = new Map((await c.listDeliveries('gh')).map((e) => [e.id, e]));
      expect(byId.get(a)).toMatchObject({
        status: 'pending',
        attempts: 1,
        lastError: 'E_SERVER: 503 from /repos/x',
        nextAttemptAt: iso(t + 1000),
        appliedAt: null,
      });
      expect(byId.get(b)).toMatchObject({ status: 'dead', attempts: 1, lastError: 'E_MAPPING: .id is null' });
      expect(byId.get(d)).toMatchObject({
        status: 'applied',
        attempts: 1,
        lastError: null,
        appliedAt: iso(t),
      });
      // The retry released its claim but is not due before retryAt.
      time = t + 999;
      expect(await c.claimDeliveries('gh', { limit: 10, claimMs: 60_000 })).toEqual([]);
      time = t + 1000;
      const [again] = await c.claimDeliveries('gh', { limit: 10, claimMs: 60_000 });
      expect(again).toMatchObject({ id: a, attempts: 1 });
      await c.settleDelivery(a, { status: 'stale' });
      expect((await c.listDeliveries('gh')).find((e) => e.id === a)).toMatchObject({
        status: 'stale',
        attempts: 2,
        lastError: null,
        appliedAt: iso(t + 1000),
        nextAttemptAt: null,
      });
      expect(await c.inboxCounts('gh')).toEqual({ pending: 0, dead: 1 });
    });

    it('settles several entries in one call, each with its own outcome', async () => {
      const c = await fresh();
      const [a = 0, b = 0, d = 0] = await add(c, 3);
      await c.claimDeliveries('gh', { limit: 10, claimMs: 60_000 });
      await c.settleDeliveries([
        { id: a, outcome: { status: 'applied' } },
        { id: b, outcome: { status: 'retry', error: 'E_SERVER: 502', retryAt: time + 500 } },
        { id: d, outcome: { status: 'dead', error: 'E_MAPPING: no id' } },
      ]);
      await c.settleDeliveries([]);
      const byId = new Map((await c.listDeliveries('gh')).map((e) => [e.id, e]));
      expect(byId.get(a)).toMatchObject({ status: 'applied', attempts: 1, appliedAt: iso() });
      expect(byId.get(b)).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: iso(time + 500) });
      expect(byId.get(d)).toMatchObject({ status: 'dead', attempts: 1, lastError: 'E_MAPPING: no id' });
      // Settling released the claims: the retry is claimable once due.
      time += 500;
      expect((await c.claimDeliveries('gh', { limit: 10, claimMs: 1000 })).map((e) => e.id)).toEqual([b]);
    });

    it('releases claimed entries not tried, only under the claim that took them', async () => {
      const c = await fresh();
      const entries = await add(c, 4);
      const claimed = await c.claimDeliveries('gh', { limit: 3, claimMs: 30_000 });
      expect(claimed.map((e) => e.id)).toEqual(entries.slice(0, 3));
      const token = claimed[0]?.claimedUntil ?? '';
      expect(token).toBe(iso(time + 30_000));
      await c.settleDelivery(entries[0] ?? 0, { status: 'applied' });
      // The applied one is not pending any more: only the two untried come back.
      expect(await c.releaseDeliveries(entries.slice(0, 3), token)).toBe(2);
      expect(await c.releaseDeliveries([], token)).toBe(0);
      time += 1;
      const again = await c.claimDeliveries('gh', { limit: 10, claimMs: 30_000 });
      expect(again.map((e) => e.id)).toEqual(entries.slice(1));
      // An old token releases nothing: the entries are now under the newer claim.
      expect(await c.releaseDeliveries(entries, token)).toBe(0);
      expect(await c.claimDeliveries('gh', { limit: 10, claimMs: 30_000 })).toEqual([]);
    });

    it('retries dead entries (all, or by id) as fresh pending ones, error kept until the next try', async () => {
      const c = await fresh();
      const entries = await add(c, 4);
      const other = (await c.addDelivery('jira', delivery('j-1'))).id;
      for (const id of [...entries, other])
        await c.settleDelivery(id, { status: 'dead', error: `boom ${id}` });
      expect(await c.retryDeliveries('gh', [entries[1] ?? 0, other, 999_999])).toBe(1);
      expect(await c.inboxCounts('gh')).toEqual({ pending: 1, dead: 3 });
      expect(await c.retryDeliveries('gh', 'dead')).toBe(3);
      expect(await c.retryDeliveries('gh', 'dead')).toBe(0);
      expect(await c.retryDeliveries('gh', [])).toBe(0);
      expect(await c.inboxCounts('gh')).toEqual({ pending: 4, dead: 0 });
      expect(await c.inboxCounts('jira')).toEqual({ pending: 0, dead: 1 });
      const [first] = await c.listDeliveries('gh', { limit: 1 });
      expect(first).toMatchObject({ status: 'pending', attempts: 0, lastError: `boom ${entries[3]}` });
      expect((await c.claimDeliveries('gh', { limit: 10, claimMs: 1000 })).map((e) => e.id)).toEqual(entries);
      // A pending entry under a live claim is being applied: retrying it by id leaves it alone.
      expect(await c.retryDeliveries('gh', [entries[0] ?? 0])).toBe(0);
      await c.settleDelivery(entries[0] ?? 0, { status: 'applied' });
      // An applied one may be applied again on request.
      expect(await c.retryDeliveries('gh', [entries[0] ?? 0])).toBe(1);
      expect((await c.listDeliveries('gh')).at(-1)).toMatchObject({ status: 'pending', attempts: 0 });
    });

    it('gives two concurrent claimers from two processes disjoint entries, each entry once', async () => {
      const target = await factory.target();
      const [one, two] = [await at(target), await at(target)];
      const all = await add(one, 40);
      const got: number[] = [];
      for (let round = 0; round < 4; round++) {
        const claims = await Promise.all(
          [one, two, one, two].map((c) => c.claimDeliveries('gh', { limit: 4, claimMs: 60_000 })),
        );
        got.push(...claims.flat().map((e) => e.id));
      }
      expect(got).toHaveLength(new Set(got).size);
      expect([...got].sort((a, b) => a - b)).toEqual(all.slice(0, got.length));
      expect(got.length).toBeGreaterThan(0);
    });
  });
});
