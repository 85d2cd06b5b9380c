/**
 * A kind's `maxItems` across the jobs of a queued run: one counter per kind in Redis, and per page the
 * count before it, so a job that runs again (a retry, or a stalled job handed to another worker) gets
 * the share its pages got the first time instead of spending the cap twice.
 */
import type { Redis } from 'ioredis';
import { itemsKey } from './run-spec.js';

/** The pages counted so far, by page: their `before`. Deleted with the run (coordinator cleanUp). */
export const itemPagesKey = (run: string, kind: string) => `${itemsKey(run, kind)}:pages`;

// KEYS: counter, pages hash; ARGV: page, n. Returns the count before this page (atomic, redis.io EVAL).
const COUNT = `
local before = redis.call('HGET', KEYS[2], ARGV[1])
if before then return tonumber(before) end
before = redis.call('INCRBY', KEYS[1], ARGV[2]) - tonumber(ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], before)
return before`;

/** Counts `n` records of `page` against the kind once; the records counted before it. */
export async function countItems(
  redis: Redis,
  run: string,
  kind: string,
  page: string,
  n: number,
): Promise<number> {
  const before = await redis.eval(COUNT, 2, itemsKey(run, kind), itemPagesKey(run, kind), page, String(n));
  return Number(before);
}
