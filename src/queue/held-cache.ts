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
 * @param close closes a value no run holds any more (a pool: `(s) => s.close()`).
 * @param keep values kept open in all, held or not; more only while runs hold them.
 * @default keep 4
 * @example
 * const pools = heldCache<CatalogStore>((s) => s.close());
 * const store = await pools.take(url, () => openCatalog(url)); // … the run …
 * await pools.release(url);
 */
export function heldCache<V>(close: (value: V) => unknown, keep = 4): HeldCache<V> {
  const entries = new Map<string, Entry<V>>();
  // Closes begun by a trim: close() waits for them too, so nothing is still closing once it resolves.
  const closing = new Set<Promise<void>>();
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
      const closed = closeEntry(entry).catch(() => {});
      closing.add(closed);
      await closed;
      closing.delete(closed);
    }
  };

  /** Moved to the end: the map's order is least recently used first. */
  const touch = (key: string, entry: Entry<V>) => {
    entries.delete(key);
    entries.set(key, entry);
  };

  return {
    async take(key, open) {
      let entry = entries.get(key);
      if (!entry) {
        entry = { value: open(), users: 0 };
        // A value that failed to open (PostgreSQL down) is opened again by the next take.
        const failed = entry;
        entry.value.catch(() => {
          if (entries.get(key) === failed) entries.delete(key);
        });
      }
      touch(key, entry);
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
      if (entry) {
        entry.users = Math.max(0, entry.users - 1);
        touch(key, entry);
      }
      await trim();
    },
    async close() {
      const all = [...entries.values()];
      entries.clear();
      await closeInOrder([...all.map((entry) => () => closeEntry(entry)), () => Promise.all(closing)]);
    },
  };
}
