import { openCatalog, type StoredEntity } from '../catalog/index.js';

/**
 * Every entity of the catalog at `db` (a SQLite path or `postgres://` URL), in export order; the
 * catalog is closed again, even when reading fails, so a test can sync again afterwards.
 * @example
 * await syncIntegration(dir, { set, db });
 * expect((await readCatalog(db)).map((e) => e.identifier)).toContain('acme');
 */
export async function readCatalog(db: string): Promise<StoredEntity[]> {
  const catalog = await openCatalog(db);
  try {
    const out: StoredEntity[] = [];
    for await (const e of catalog.exportEntities()) out.push(e);
    return out;
  } finally {
    await catalog.close();
  }
}
