import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CatalogError, isInletError } from '../errors/errors.js';
import { type CatalogStore, openCatalog } from './index.js';
import { PG_SCHEMA_VERSION, SCHEMA_LOCK } from './pg-schema.js';
import { SQLITE_SCHEMA_VERSION } from './sqlite-schema.js';
import { begin, collect, entity, type Factory, keys, postgresFactory, sqliteFactory } from './test-stores.js';

/** The rejection of `promise`, which must be a CatalogError. */
async function catalogError(promise: Promise<unknown>): Promise<CatalogError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isInletError(error, 'E_CATALOG')).toBe(true);
  expect(error).toBeInstanceOf(CatalogError);
  return error as CatalogError;
}

// Entities and runs as a v1 catalog holds them; valid SQL for both stores.
const V1_DATA = `
INSERT INTO entities (integration, blueprint, identifier, title, properties, relations, created_at, updated_at,
  content_hash, last_seen_run)
VALUES ('gh', 'repo', 'a', 'A', '{"stars":1}', '{}', '2025-12-01T00:00:00.000Z', '2025-12-01T00:00:00.000Z', 'h-a', 1),
  ('gh', 'repo', 'b', 'B', '{}', '{"owner":"t"}', '2025-12-01T00:00:00.000Z', '2025-12-02T00:00:00.000Z', 'h-b', 2);
INSERT INTO sync_runs (integration, status, started_at, finished_at, records, kinds, detail)
VALUES ('gh', 'succeeded', '2025-12-01T00:00:00.000Z', '2025-12-01T00:01:00.000Z', 2, '["repos"]', NULL),
  ('gh', 'running', '2025-12-02T00:00:00.000Z', NULL, 0, '["repos"]', NULL);
INSERT INTO state (integration, key, value, updated_at) VALUES ('gh', 'cursor', '"c1"', '2025-12-02T00:00:00.000Z');
`;

// A v2 catalog mid-life: a finished run, a webhook's write after it, the write order at 3.
const V2_DATA = `
INSERT INTO entities (integration, blueprint, identifier, title, properties, relations, created_at, updated_at,
  content_hash, last_seen_run, seen_seq, written_by, written_at, write_seq)
VALUES ('gh', 'repo', 'a', 'A', '{"stars":1}', '{}', '2025-12-01T00:00:00.000Z', '2025-12-01T00:00:00.000Z', 'h-a', 1, 2,
    'run:1', '2025-12-01T00:00:00.000Z', 2),
  ('gh', 'repo', 'hook', NULL, '{}', '{}', '2025-12-02T00:00:00.000Z', '2025-12-02T00:00:00.000Z', 'h-h', NULL, 3,
    'delivery:d-9', '2025-12-02T00:00:00.000Z', 3);
INSERT INTO sync_runs (integration, status, started_at, finished_at, records, kinds, kind_results, holder, start_seq)
VALUES ('gh', 'succeeded', '2025-12-01T00:00:00.000Z', '2025-12-01T00:01:00.000Z', 1, '["repos"]', '[]', '1@h', 1);
INSERT INTO state (integration, key, value, updated_at) VALUES ('gh', 'cursor', '"c2"', '2025-12-02T00:00:00.000Z');
`;

// A v3 inbox: an applied, a dead and a retried entry (ids 1-3).
const V3_INBOX = `
INSERT INTO webhook_inbox (integration, delivery_id, kind, received_at, body, status, attempts, last_error,
  applied_at, next_attempt_at)
VALUES ('gh', 'd-1', 'push', '2025-12-01T00:00:00.000Z', '{"headers":{},"body":{"n":1}}', 'applied', 1, NULL,
    '2025-12-01T00:00:01.000Z', NULL),
  ('gh', 'd-2', 'push', '2025-12-02T00:00:00.000Z', '{"headers":{},"body":{"n":2}}', 'dead', 5, 'E_MAPPING: no id',
    NULL, NULL),
  ('gh', 'd-3', 'push', '2025-12-02T00:00:00.000Z', '{"headers":{},"body":{"n":3}}', 'pending', 1, 'E_SERVER: 503',
    NULL, '2025-12-03T00:00:00.000Z');
`;

describe.each<Factory>([sqliteFactory(), postgresFactory()])('catalog schema on $name', (factory) => {
  const time = Date.parse('2026-01-01T00:00:00.000Z');
  const now = () => time;
  const open: CatalogStore[] = [];
  const at = async (target: string) => {
    const store = await openCatalog(target, { now });
    open.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  afterAll(() => factory.cleanup());

  const latest = factory.name === 'sqlite' ? SQLITE_SCHEMA_VERSION : PG_SCHEMA_VERSION;

  describe.skipIf(factory.skip)('versions', () => {
    it('migrates a version 1 catalog forward: data kept, its running run aborted at the next start', async () => {
      const target = await factory.target();
      await factory.sql(target, factory.v1Schema);
      await factory.sql(target, V1_DATA);
      const c = await at(target);
      expect(await factory.version(target)).toBe(latest);
      expect(await c.inboxCounts('gh')).toEqual({ pending: 0, dead: 0 });
      const before = await collect(c.exportEntities());
      expect(before).toEqual([
        {
          integration: 'gh',
          blueprint: 'repo',
          identifier: 'a',
          title: 'A',
          properties: { stars: 1 },
          relations: {},
          createdAt: '2025-12-01T00:00:00.000Z',
          updatedAt: '2025-12-01T00:00:00.000Z',
          writtenBy: null,
        },
        expect.objectContaining({ identifier: 'b', relations: { owner: 't' }, writtenBy: null }),
      ]);
      expect(await c.getState('gh', 'cursor')).toBe('c1');
      const [running, done] = await c.listRuns('gh');
      expect(running).toMatchObject({ status: 'running', kindResults: [], holder: null, errorCode: null });
      expect(done).toMatchObject({ status: 'succeeded', counts: { records: 2 }, kindResults: [] });
      // The legacy run has no lease: it does not block, and it is aborted when the next run starts.
      const run = await begin(c, 'gh');
      expect((await c.listRuns('gh')).map((r) => [r.id, r.status])).toEqual([
        [run, 'running'],
        [running?.id, 'aborted'],
        [done?.id, 'succeeded'],
      ]);
      expect((await c.listRuns('gh'))[1]?.detail).toBe('aborted: the process ended before the run finished');
      // Old rows are older than any run: unseen, they are stale; seen, they stay.
      await c.upsertBatch('gh', run, [entity('repo', 'b')]);
      expect(await c.deleteStale('gh', run, 'repo', 1)).toEqual({ deleted: 1 });
      expect(keys(await collect(c.exportEntities()))).toEqual(['repo/b']);
      await c.close();
      // Opening again (already the latest version) changes nothing.
      const again = await at(target);
      expect(await factory.version(target)).toBe(latest);
      expect(keys(await collect(again.exportEntities()))).toEqual(['repo/b']);
    });

    it('migrates a version 2 catalog forward: data and write order kept, inbox and tombstones work', async () => {
      const target = await factory.target();
      await factory.sql(target, factory.v2Schema);
      await factory.sql(target, V2_DATA);
      await factory.sql(
        target,
        factory.name === 'sqlite' ? 'UPDATE catalog_seq SET value = 3' : "SELECT setval('catalog_seq', 3)",
      );
      const c = await at(target);
      expect(await factory.version(target)).toBe(latest);
      const before = await collect(c.exportEntities());
      expect(before.map((e) => [e.identifier, e.writtenBy, e.properties])).toEqual([
        ['a', 'run:1', { stars: 1 }],
        ['hook', 'delivery:d-9', {}],
      ]);
      expect(await c.getState('gh', 'cursor')).toBe('c2');
      expect(await c.listRuns('gh')).toMatchObject([
        { status: 'succeeded', holder: '1@h', counts: { records: 1 } },
      ]);
      expect(await c.addDelivery('gh', { deliveryId: 'd-10', kind: 'push', body: '{}' })).toMatchObject({
        duplicate: false,
      });
      expect(await c.inboxCounts('gh')).toEqual({ pending: 1, dead: 0 });
      // The write order goes on from the stored value: a new run is newer than every old write.
      const run = await begin(c, 'gh');
      await c.deleteEntity('gh', 'repo', 'a', { delivery: 'd-11', order: 1 });
      expect(await c.upsertBatch('gh', run, [entity('repo', 'a'), entity('repo', 'hook')])).toEqual({
        upserted: 1,
        unchanged: 0,
      });
      expect(await c.deleteStale('gh', run, 'repo', 1)).toEqual({ deleted: 0 });
      expect(keys(await collect(c.exportEntities()))).toEqual(['repo/hook']);
      await c.close();
      const again = await at(target);
      expect(await factory.version(target)).toBe(latest);
      expect(await again.inboxCounts('gh')).toEqual({ pending: 1, dead: 0 });
    });

    it('migrates a version 3 catalog forward: inbox entries keep their bodies, states, ids and claims', async () => {
      const target = await factory.target();
      await factory.sql(target, factory.v3Schema);
      await factory.sql(target, V3_INBOX);
      const c = await at(target);
      expect(await factory.version(target)).toBe(latest);
      const entries = await c.listDeliveries('gh');
      expect(entries.map((e) => [e.id, e.deliveryId, e.status, e.attempts, e.body])).toEqual([
        [3, 'd-3', 'pending', 1, '{"headers":{},"body":{"n":3}}'],
        [2, 'd-2', 'dead', 5, '{"headers":{},"body":{"n":2}}'],
        [1, 'd-1', 'applied', 1, '{"headers":{},"body":{"n":1}}'],
      ]);
      expect(entries[0]).toMatchObject({
        lastError: 'E_SERVER: 503',
        nextAttemptAt: '2025-12-03T00:00:00.000Z',
      });
      expect(await c.inboxCounts('gh')).toEqual({ pending: 1, dead: 1 });
      // The body column is gone from the entry row: bodies live in webhook_inbox_bodies.
      expect(await factory.rows(target, 'SELECT id FROM webhook_inbox_bodies ORDER BY id')).toEqual([
        { id: factory.name === 'sqlite' ? 1 : '1' },
        { id: factory.name === 'sqlite' ? 2 : '2' },
        { id: factory.name === 'sqlite' ? 3 : '3' },
      ]);
      // The pending entry is claimable with its body; a repeated id is still a duplicate; new ids go on.
      const [claimed] = await c.claimDeliveries('gh', { limit: 10, claimMs: 1000 });
      expect(claimed).toMatchObject({ id: 3, body: '{"headers":{},"body":{"n":3}}' });
      expect(await c.addDelivery('gh', { deliveryId: 'd-1', kind: 'push', body: '{}' })).toEqual({
        id: 1,
        duplicate: true,
      });
      const added = await c.addDelivery('gh', { deliveryId: 'd-4', kind: 'push', body: '{"n":4}' });
      expect(added.duplicate).toBe(false);
      expect(added.id).toBeGreaterThan(3);
      expect((await c.listDeliveries('gh', { limit: 1 }))[0]?.body).toBe('{"n":4}');
      await c.close();
      const again = await at(target);
      expect(await factory.version(target)).toBe(latest);
      expect(await again.inboxCounts('gh')).toEqual({ pending: 2, dead: 1 });
    });

    it('refuses a catalog of a newer schema version with one line', async () => {
      const target = await factory.target();
      await (await openCatalog(target)).close();
      await factory.setVersion(target, latest + 1);
      const error = await catalogError(openCatalog(target));
      expect(error.message).toMatch(
        new RegExp(`^catalog .+ has schema version ${latest + 1}; this inlet supports up to ${latest}$`),
      );
    });

    // PostgreSQL only: SQLite's latest version is 4.
    (factory.name === 'postgres' ? it : () => {})(
      'migrates a version 4 catalog to 5: the page write function is created',
      async () => {
        const target = await factory.target();
        await (await openCatalog(target)).close();
        // Version 4 is version 5 without the function (pg-upsert-batch.ts).
        await factory.sql(target, 'DROP FUNCTION inlet_upsert_batch');
        await factory.setVersion(target, 4);
        const c = await at(target);
        expect(await factory.version(target)).toBe(5);
        const run = await begin(c, 'gh');
        expect(await c.upsertBatch('gh', run, [entity('repo', 'a')])).toEqual({ upserted: 1, unchanged: 0 });
        expect(await c.upsertBatch('gh', run, [entity('repo', 'a')])).toEqual({ upserted: 0, unchanged: 1 });
      },
    );

    // PostgreSQL only: SQLite has no schema lock (a file lock serialises its writers).
    (factory.name === 'postgres' ? it : () => {})(
      'opens a current catalog without the schema lock, and migrates an older one only under it',
      async () => {
        const target = await factory.target();
        await (await openCatalog(target)).close();
        const holder = new pg.Client({ connectionString: target });
        await holder.connect();
        try {
          await holder.query('BEGIN');
          await holder.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
          // Current: a fleet of workers opening the catalog does not queue on the lock.
          await (await openCatalog(target)).close();
          // Behind: the migration waits for the lock (its wait is seen in pg_locks), then runs.
          await factory.sql(target, 'DROP FUNCTION inlet_upsert_batch');
          await factory.setVersion(target, 4);
          const opening = openCatalog(target);
          // This database's wait on this lock only: other test files share the server.
          const waiting = `SELECT count(*)::int AS n FROM pg_locks
            WHERE locktype = 'advisory' AND NOT granted AND classid = 0 AND objid = $1 AND objsubid = 1
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
          while ((await holder.query<{ n: number }>(waiting, [SCHEMA_LOCK])).rows[0]?.n !== 1) {
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          expect(await factory.version(target)).toBe(4);
          await holder.query('COMMIT');
          await (await opening).close();
          expect(await factory.version(target)).toBe(PG_SCHEMA_VERSION);
        } finally {
          await holder.end();
        }
      },
    );

    it('with mustExist, refuses a location without a catalog and creates nothing', async () => {
      const target = await factory.target();
      const shown = target.replace(/^(postgres:\/\/[^:@/]+)@/, '$1:***@');
      const withPassword = target.replace(/^(postgres:\/\/[^:@/]+)@/, '$1:hunter2@');
      const error = await catalogError(openCatalog(withPassword, { mustExist: true }));
      expect(error.message).toBe(`no catalog at ${factory.name === 'sqlite' ? target : shown}`);
      expect(error.message).not.toContain('hunter2');
      if (factory.name === 'sqlite') expect(existsSync(target)).toBe(false);
      else expect(await factory.rows(target, "SELECT to_regclass('entities') AS t")).toEqual([{ t: null }]);
      await (await openCatalog(target)).close();
      await (await openCatalog(withPassword, { mustExist: true })).close();
    });
  });
});

describe('catalog failures are E_CATALOG', () => {
  const dir = mkdtempSync(join(tmpdir(), 'inlet-catalog-errors-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names a directory, or a file that is not SQLite, and chains the driver error', async () => {
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    const notDb = join(dir, 'notes.txt');
    writeFileSync(notDb, 'these are not the pages you are looking for\n'.repeat(100));
    const onDir = await catalogError(openCatalog(folder));
    expect(onDir.message).toBe(`catalog ${folder}: open: unable to open database file (SQLITE_CANTOPEN)`);
    expect((onDir.cause as { code?: string }).code).toBe('SQLITE_CANTOPEN');
    const onFile = await catalogError(openCatalog(notDb));
    expect(onFile.message).toBe(`catalog ${notDb}: open: file is not a database (SQLITE_NOTADB)`);
  });

  it('names the operation when another process holds the write lock (SQLITE_BUSY)', async () => {
    const path = join(dir, 'busy.db');
    const c = await openCatalog(path, { busyTimeoutMs: 20 });
    try {
      const run = await begin(c, 'gh');
      const other = new Database(path);
      other.exec('BEGIN IMMEDIATE');
      try {
        const error = await catalogError(c.upsertBatch('gh', run, [entity('repo', 'a')]));
        expect(error.message).toBe(`catalog ${path}: upsertBatch: database is locked (SQLITE_BUSY)`);
        expect((error.cause as { code?: string }).code).toBe('SQLITE_BUSY');
      } finally {
        other.exec('ROLLBACK');
        other.close();
      }
      expect(await c.upsertBatch('gh', run, [entity('repo', 'a')])).toEqual({ upserted: 1, unchanged: 0 });
    } finally {
      await c.close();
    }
  });

  it('redacts the password of a PostgreSQL URL it cannot reach or parse', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
      });
    });
    const refused = await catalogError(openCatalog(`postgres://inlet:s3cret@127.0.0.1:${port}/db`));
    expect(refused.message).toMatch(
      new RegExp(`^catalog postgres://inlet:\\*\\*\\*@127\\.0\\.0\\.1:${port}/db: open: .*ECONNREFUSED`),
    );
    expect(refused.message).not.toContain('s3cret');
    expect(refused.cause).toBeInstanceOf(Error);
    const bad = await catalogError(
      openCatalog('postgres://inlet:s3cret@127.0.0.1:notaport/db?password=s3cret'),
    );
    expect(bad.message).toMatch(
      /^catalog postgres:\/\/inlet:\*\*\*@127\.0\.0\.1:notaport\/db\?password=\*\*\*: open: /,
    );
    expect(bad.message).not.toContain('s3cret');
  });
});
