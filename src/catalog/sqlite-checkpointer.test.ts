import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openCatalog } from './index.js';
import { startCheckpointer } from './sqlite-checkpointer.js';

const dir = mkdtempSync(join(tmpdir(), 'inlet-checkpointer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const size = (path: string) => statSync(path, { throwIfNoEntry: false })?.size ?? 0;

async function until(what: string, cond: () => boolean, ms = 20_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('WAL checkpoints on a worker thread', () => {
  it('the writer stops checkpointing; the thread copies the WAL into the database file', async () => {
    const path = join(dir, 'direct.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    const checkpoints = await startCheckpointer(db, path);
    try {
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
      const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
      const before = size(path);
      // ~4 MB: well past SQLite's 1,000-page autocheckpoint, which this connection no longer runs.
      for (let i = 0; i < 200; i++) insert.run('x'.repeat(20_000));
      await until('the database file to take the pages', () => size(path) > before + 3_000_000);
    } finally {
      await checkpoints.stop();
    }
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(200);
    db.close();
  });

  it('a catalog opened with backgroundCheckpoints stores and reads deliveries, and closes cleanly', async () => {
    const path = join(dir, 'catalog.db');
    const c = await openCatalog(path, { backgroundCheckpoints: true });
    const body = JSON.stringify({ headers: {}, body: { pad: 'y'.repeat(20_000) } });
    const added = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        c.addDelivery('gh', { deliveryId: `d-${i}`, kind: 'push', body }),
      ),
    );
    expect(added.filter((a) => !a.duplicate)).toHaveLength(300);
    await until('the database file to take the pages', () => size(path) > 5_000_000);
    await c.close();
    const again = await openCatalog(path, { mustExist: true });
    try {
      expect(await again.inboxCounts('gh')).toEqual({ pending: 300, dead: 0 });
      expect((await again.listDeliveries('gh', { limit: 1 }))[0]?.body).toBe(body);
    } finally {
      await again.close();
    }
  });
});
