/**
 * The mapper and HTTP client of queued runs, kept between runs of one integration whose manifest,
 * settings and mapping are the same: a resync every hour then reuses its compiled mapping, jq thread and
 * keep-alive connections instead of building them again for each run on each worker (bench/workers).
 * Parts no run uses are closed once more than `keep` sets are open.
 */
import { createHash } from 'node:crypto';
import type { Client } from '../http/client.js';
import type { Mapper } from '../sync/engine.js';
import type { RunSpec } from './run-spec.js';

export interface RunParts {
  mapper: Mapper;
  client: Client;
}

interface Entry {
  parts: Promise<RunParts>;
  users: number;
}

export interface PartsCache {
  /** The parts for `spec`, opened with `open` unless a run with the same inputs has them; `release` when done. */
  take(spec: RunSpec, open: () => Promise<RunParts>): Promise<RunParts>;
  release(spec: RunSpec): Promise<void>;
  close(): Promise<void>;
}

/** What makes two runs' parts interchangeable; a digest, so the map holds no secret as a key. */
const keyOf = (spec: RunSpec) =>
  createHash('sha256')
    .update(JSON.stringify([spec.manifest, spec.settings, spec.foreignMapping ?? null]))
    .digest('hex');

const closeParts = async (parts: Promise<RunParts>) => {
  const opened = await parts.catch(() => undefined);
  if (!opened) return;
  await opened.mapper.close?.();
  await opened.client.close();
};

/** @example const cache = partsCache(4); const parts = await cache.take(spec, open); … await cache.release(spec); */
export function partsCache(keep = 4): PartsCache {
  const entries = new Map<string, Entry>();

  const trim = async () => {
    for (const [key, entry] of entries) {
      if (entries.size <= keep) return;
      if (entry.users > 0) continue;
      entries.delete(key);
      await closeParts(entry.parts);
    }
  };

  return {
    async take(spec, open) {
      const key = keyOf(spec);
      let entry = entries.get(key);
      if (entry) entries.delete(key);
      else {
        entry = { parts: open(), users: 0 };
        const failed = entry;
        entry.parts.catch(() => {
          if (entries.get(key) === failed) entries.delete(key);
        });
      }
      // Re-inserted: the map's order is least recently used first.
      entries.set(key, entry);
      entry.users++;
      try {
        return await entry.parts;
      } catch (error) {
        entry.users--;
        throw error;
      }
    },
    async release(spec) {
      const entry = entries.get(keyOf(spec));
      if (entry) entry.users = Math.max(0, entry.users - 1);
      await trim();
    },
    async close() {
      const all = [...entries.values()];
      entries.clear();
      for (const entry of all) await closeParts(entry.parts);
    },
  };
}
