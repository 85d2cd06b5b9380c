/**
 * The mapper and HTTP client of queued runs, kept between runs of one integration whose manifest,
 * settings and mapping are the same: a resync every hour then reuses its compiled mapping, jq thread and
 * keep-alive connections instead of building them again for each run on each worker (bench/workers).
 * Parts no run uses are closed once more than `keep` sets are open (held-cache.ts).
 */
import { createHash } from 'node:crypto';
import { closeInOrder } from '../http/async/index.js';
import type { Client } from '../http/client.js';
import type { Mapper } from '../sync/engine.js';
import { heldCache } from './held-cache.js';
import type { RunSpec } from './run-spec.js';

export interface RunParts {
  mapper: Mapper;
  client: Client;
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

// Both closed although the first fails: the client's keep-alive sockets would stay open.
const closeParts = (parts: RunParts) =>
  closeInOrder([() => parts.mapper.close?.(), () => parts.client.close()]);

/** @example const cache = partsCache(4); const parts = await cache.take(spec, open); … await cache.release(spec); */
export function partsCache(keep = 4): PartsCache {
  const cache = heldCache(closeParts, keep);
  return {
    take: (spec, open) => cache.take(keyOf(spec), open),
    release: (spec) => cache.release(keyOf(spec)),
    close: () => cache.close(),
  };
}
