import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type CatalogStore, openCatalog } from './index.js';
import {
  begin,
  collect,
  entity,
  type Factory,
  finish,
  keys,
  postgresFactory,
  sqliteFactory,
} from './test-stores.js';

const UPDATED = (n: number) => `2026-01-0${n}T00:00:00Z`;

describe.each<Factory>([sqliteFactory(), postgresFactory()])(
  'ordered delivery writes on $name',
  (factory) => {
    let time = Date.parse('2026-01-01T00:00:00.000Z');
    const now = () => time;
    const open: CatalogStore[] = [];
    const at = async (target: string) => {
      const store = await openCatalog(target, { now });
      open.push(store);
      return store;
    };
    const fresh = async () => at(await factory.target());
    const stored = async (c: CatalogStore) =>
      Object.fromEntries((await collect(c.exportEntities())).map((e) => [e.identifier, e]));
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    });
    afterAll(() => factory.cleanup());

    describe.skipIf(factory.skip)('order', () => {
      it('refuses an upsert older than the last applied one and changes nothing; equal or newer applies', async () => {
        const c = await fresh();
        const write = (v: number, order: string | number, delivery = `d${v}`) =>
          c.upsertEntity('gh', entity('pr', '7', { v }), { delivery, order });
        expect(await write(2, UPDATED(2))).toEqual({ changed: true, stale: false });
        time += 1000;
        expect(await write(1, UPDATED(1))).toEqual({ changed: false, stale: true });
        expect((await stored(c))['7']).toMatchObject({ properties: { v: 2 }, writtenBy: 'delivery:d2' });
        expect(await write(3, UPDATED(2))).toEqual({ changed: true, stale: false });
        expect(await write(4, UPDATED(3))).toEqual({ changed: true, stale: false });
        // Without an order a write applies (arrival order) and keeps the last order for the next check.
        expect(await c.upsertEntity('gh', entity('pr', '7', { v: 5 }), { delivery: 'd5' })).toEqual({
          changed: true,
          stale: false,
        });
        expect(await write(6, UPDATED(2))).toEqual({ changed: false, stale: true });
        expect((await stored(c))['7']).toMatchObject({ properties: { v: 5 }, writtenBy: 'delivery:d5' });
        // Other entities and integrations have orders of their own.
        expect(
          await c.upsertEntity('gh', entity('pr', '8'), { delivery: 'x', order: UPDATED(1) }),
        ).toMatchObject({
          stale: false,
        });
        expect(
          await c.upsertEntity('jira', entity('pr', '7'), { delivery: 'y', order: UPDATED(1) }),
        ).toMatchObject({ stale: false });
      });

      it('compares two numbers numerically and anything else as strings', async () => {
        const c = await fresh();
        const write = (id: string, order: string | number) =>
          c.upsertEntity('gh', entity('pr', id, { order }), { delivery: `${id}-${order}`, order });
        expect(await write('n', 9)).toMatchObject({ stale: false });
        expect(await write('n', 10)).toMatchObject({ stale: false });
        expect(await write('n', 9.5)).toMatchObject({ stale: true });
        expect(await write('n', 10)).toMatchObject({ stale: false });
        expect(await write('s', '10')).toMatchObject({ stale: false });
        expect(await write('s', '9')).toMatchObject({ stale: false });
        expect(await write('s', '10')).toMatchObject({ stale: true });
        // A number against a stored string (or the reverse) compares as strings: "9" > "10".
        expect(await write('s', 10)).toMatchObject({ stale: true });
        expect(await write('n', '9')).toMatchObject({ stale: false });
      });

      it('refuses a delete older than the last write, and an upsert older than the delete', async () => {
        const c = await fresh();
        await c.upsertEntity('gh', entity('pr', '7', { v: 3 }), { delivery: 'u3', order: 3 });
        expect(await c.deleteEntity('gh', 'pr', '7', { delivery: 'del2', order: 2 })).toEqual({
          changed: false,
          stale: true,
        });
        expect(keys(await collect(c.exportEntities()))).toEqual(['pr/7']);
        expect(await c.deleteEntity('gh', 'pr', '7', { delivery: 'del4', order: 4 })).toEqual({
          changed: true,
          stale: false,
        });
        expect(
          await c.upsertEntity('gh', entity('pr', '7', { v: 3 }), { delivery: 'late', order: 3 }),
        ).toEqual({
          changed: false,
          stale: true,
        });
        expect(await collect(c.exportEntities())).toEqual([]);
        expect(await c.deleteEntity('gh', 'pr', '7', { delivery: 'del4b', order: 4 })).toEqual({
          changed: false,
          stale: false,
        });
        expect(await c.upsertEntity('gh', entity('pr', '7', { v: 5 }), { delivery: 'u5', order: 5 })).toEqual(
          {
            changed: true,
            stale: false,
          },
        );
        expect((await stored(c))['7']).toMatchObject({ properties: { v: 5 }, writtenBy: 'delivery:u5' });
      });

      it('lets a stale write leave the write order alone: a run may still delete the entity', async () => {
        const c = await fresh();
        await c.upsertEntity('gh', entity('pr', 'old'), { delivery: 'a', order: 5 });
        const run = await begin(c, 'gh');
        expect(
          await c.upsertEntity('gh', entity('pr', 'old', { v: 1 }), { delivery: 'b', order: 4 }),
        ).toMatchObject({
          stale: true,
        });
        expect(await c.deleteStale('gh', run, 'pr', 1)).toEqual({ deleted: 1 });
      });
    });

    describe.skipIf(factory.skip)('tombstones and runs', () => {
      it('keeps a run started before a delete from writing the entity back or counting it', async () => {
        const c = await fresh();
        const r0 = await begin(c, 'gh');
        await c.upsertBatch('gh', r0, [entity('pr', '1'), entity('pr', '2'), entity('pr', '3')]);
        await finish(c, r0);
        const before = await begin(c, 'gh');
        // Deleted by webhooks after the run started (one the catalog never had): the run read them earlier.
        await c.deleteEntity('gh', 'pr', '1', { delivery: 'del-1', order: 10 });
        await c.deleteEntity('gh', 'pr', 'never', { delivery: 'del-never' });
        const page = [
          entity('pr', '1', { v: 2 }),
          entity('pr', '2'),
          entity('pr', '3', { v: 2 }),
          entity('pr', 'never'),
        ];
        expect(await c.upsertBatch('gh', before, page)).toEqual({ upserted: 1, unchanged: 1 });
        expect(keys(await collect(c.exportEntities()))).toEqual(['pr/2', 'pr/3']);
        expect(await c.deleteStale('gh', before, 'pr', 1)).toEqual({ deleted: 0 });
        await finish(c, before);
        // A run started after the delete read the provider after it: what it reads exists again.
        const after = await begin(c, 'gh');
        expect(await c.upsertBatch('gh', after, page)).toEqual({ upserted: 2, unchanged: 2 });
        expect(keys(await collect(c.exportEntities()))).toEqual(['pr/1', 'pr/2', 'pr/3', 'pr/never']);
        expect((await stored(c))['1']).toMatchObject({ properties: { v: 2 }, writtenBy: `run:${after}` });
      });

      it('neither overwrites nor deletes what an ordered delivery wrote after the run started', async () => {
        const c = await fresh();
        const r0 = await begin(c, 'gh');
        await c.upsertBatch('gh', r0, [entity('pr', '1', { v: 1 }), entity('pr', '2', { v: 1 })]);
        await finish(c, r0);
        const run = await begin(c, 'gh');
        await c.upsertEntity('gh', entity('pr', '1', { v: 3 }), { delivery: 'h1', order: UPDATED(3) });
        await c.upsertEntity('gh', entity('pr', '2', { v: 1 }), { delivery: 'h2', order: UPDATED(3) });
        await c.upsertEntity('gh', entity('pr', 'new'), { delivery: 'h3', order: UPDATED(3) });
        // Recreated after a delete by a newer delivery: the delete's tombstone does not hide it.
        await c.deleteEntity('gh', 'pr', '2', { delivery: 'h4', order: UPDATED(4) });
        await c.upsertEntity('gh', entity('pr', '2', { v: 5 }), { delivery: 'h5', order: UPDATED(5) });
        expect(
          await c.upsertBatch('gh', run, [entity('pr', '1', { v: 2 }), entity('pr', '2', { v: 2 })]),
        ).toEqual({
          upserted: 0,
          unchanged: 0,
        });
        expect(await c.deleteStale('gh', run, 'pr', 1)).toEqual({ deleted: 0 });
        const byId = await stored(c);
        expect(keys(Object.values(byId))).toEqual(['pr/1', 'pr/2', 'pr/new']);
        expect(byId['1']).toMatchObject({ properties: { v: 3 }, writtenBy: 'delivery:h1' });
        expect(byId['2']).toMatchObject({ properties: { v: 5 }, writtenBy: 'delivery:h5' });
      });
    });

    describe.skipIf(factory.skip)('two processes at once', () => {
      it('applies concurrent deliveries of one entity in order: the newest always wins', async () => {
        const target = await factory.target();
        const [one, two] = [await at(target), await at(target)];
        for (let round = 0; round < 12; round++) {
          const id = `e${round}`;
          const [older, newer] = round % 2 === 0 ? [one, two] : [two, one];
          const writes = [
            older.upsertEntity('gh', entity('pr', id, { v: 1 }), { delivery: `${id}-1`, order: 1 }),
            newer.upsertEntity('gh', entity('pr', id, { v: 2 }), { delivery: `${id}-2`, order: 2 }),
            older.upsertEntity('gh', entity('pr', id, { v: 1 }), { delivery: `${id}-1b`, order: 1 }),
          ];
          const results = round % 3 === 0 ? await Promise.all(writes.reverse()) : await Promise.all(writes);
          expect(results.some((r) => r.changed && !r.stale)).toBe(true);
          expect((await stored(one))[id]).toMatchObject({
            properties: { v: 2 },
            writtenBy: `delivery:${id}-2`,
          });
        }
      });

      it('never lets a run write back an entity whose delete raced with its batch', async () => {
        const target = await factory.target();
        const [one, two] = [await at(target), await at(target)];
        const ids = Array.from({ length: 12 }, (_, i) => `e${i}`);
        const r0 = await begin(one, 'gh');
        await one.upsertBatch(
          'gh',
          r0,
          ids.map((id) => entity('pr', id)),
        );
        await finish(one, r0);
        const run = await begin(one, 'gh');
        for (const id of ids) {
          await Promise.all([
            one.upsertBatch('gh', run, [entity('pr', id, { v: 2 }), entity('pr', `${id}-other`)]),
            two.deleteEntity('gh', 'pr', id, { delivery: `del-${id}` }),
          ]);
        }
        const left = keys(await collect(one.exportEntities()));
        expect(left).toEqual(ids.map((id) => `pr/${id}-other`).sort());
      });
    });
  },
);
