/**
 * Values a worker keeps between runs (a catalog's pool, a run's mapper and client), each held by the
 * runs that use it: one no run holds stays open for the next run that wants it, and the least
 * recently used of those are closed once more than `keep` are open, so a long-lived worker serving
 * many catalogs or integrations does not keep all of them.
 */
import { closeInOrder } from '../http/async/index.js';

interface Entry<V> {
  value: Promise<V>;
  users: number;
}

export interface HeldCache<V> {
  /** The value of `key`, opened with `open` unless it is open already; `release(key)` when done with it. Idle values past `keep` are closed meanwhile. */
  take(key: string, open: () => Promise<V>): Promise<V>;
  /** One user less; then values beyond `keep` that no run holds are closed, least recently used first. */
  release(key: string): Promise<void>;
  /** Closes every value, held or not, each although one before it fails; then throws the first failure. */
  close(): Promise<void>;
}

/**
 * @param keep values kept open although no run holds them. @default 4
 * @example const pools = heldCache<CatalogStore>((s) => s.close()); const s = await pools.take(url, () => openCatalog(url)); … await pools.release(url);
 */
export function heldCache<V>(close: (value: V) => unknown, keep = 4): HeldCache<V> {
  const entries = new Map<string, Entry<V>>();
  const closeEntry = async (entry: Entry<V>) => {
    const opened = await entry.value.then(
      (v) => ({ v }),
      () => undefined,
    );
    if (opened) await close(opened.v);
  };

  const trim = async () => {
    for (const [key, entry] of entries) {
      if (entries.size <= keep) return;
      if (entry.users > 0) continue;
      entries.delete(key);
      // What was let go of failing to close is no reason to fail the run that let go of it.
      await closeEntry(entry).catch(() => {});
    }
  };

  return {
    async take(key, open) {
      let entry = entries.get(key);
      if (entry) entries.delete(key);
      else {
        entry = { value: open(), users: 0 };
        // A value that failed to open (PostgreSQL down) is opened again by the next take.
        const failed = entry;
        entry.value.catch(() => {
          if (entries.get(key) === failed) entries.delete(key);
        });
      }
      // Re-inserted: the map's order is least recently used first.
      entries.set(key, entry);
      entry.users++;
      // Room for this one: an idle value past `keep` goes now, not at the next release.
      void trim();
      try {
        return await entry.value;
      } catch (error) {
        entry.users--;
        throw error;
      }
    },
    async release(key) {
      const entry = entries.get(key);
      if (entry) entry.users = Math.max(0, entry.users - 1);
      await trim();
    },
    async close() {
      const all = [...entries.values()];
      entries.clear();
      await closeInOrder(all.map((entry) => () => closeEntry(entry)));
    },
  };
}
