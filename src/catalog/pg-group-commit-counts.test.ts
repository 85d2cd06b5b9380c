import { afterAll, describe, expect, it } from 'vitest';
import { type CatalogStore, openCatalog } from './index.js';
import { begin, collect, entity, type Factory, postgresFactory, sqliteFactory } from './test-stores.js';

describe.each<Factory>([sqliteFactory(), postgresFactory()])('group commit counts on $name', (factory) => {
  const open: CatalogStore[] = [];
  afterAll(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
    await factory.cleanup();
  });

  it.skipIf(factory.skip)(
    'a page counts a new entity as upserted even when a later page changes it',
    async () => {
      const c = await openCatalog(await factory.target(), { now: () => Date.parse('2026-01-01T00:00:00Z') });
      open.push(c);
      const run = await begin(c, 'gh', ['repos']);
      // The first write is in flight while the next two queue behind it (merged on PostgreSQL).
      const counts = await Promise.all([
        c.upsertBatch('gh', run, [entity('repo', 'first')]),
        c.upsertBatch('gh', run, [entity('repo', 'x', { v: 1 })]),
        c.upsertBatch('gh', run, [entity('repo', 'x', { v: 2 })]),
      ]);
      // One after the other: x is inserted by the second page and rewritten by the third.
      expect(counts).toEqual([
        { upserted: 1, unchanged: 0 },
        { upserted: 1, unchanged: 0 },
        { upserted: 1, unchanged: 0 },
      ]);
    },
  );

  it.skipIf(factory.skip)(
    'an integration name with quotes and backslashes is a value, never SQL',
    async () => {
      const c = await openCatalog(await factory.target(), { now: () => Date.parse('2026-01-01T00:00:00Z') });
      open.push(c);
      const name = "o'b\\x'); SELECT pg_sleep(5); --";
      const run = await begin(c, name, ['repos']);
      expect(await c.upsertBatch(name, run, [entity('repo', 'a')])).toEqual({ upserted: 1, unchanged: 0 });
      expect((await collect(c.exportEntities({ integration: name }))).length).toBe(1);
    },
  );
});
