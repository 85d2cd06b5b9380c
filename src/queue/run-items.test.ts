import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisUnavailable, startRedis, type TestRedis } from '../testing/redis.js';
import { countItems, itemPagesKey } from './run-items.js';
import { itemsKey } from './run-spec.js';

const unavailable = redisUnavailable();
if (unavailable) console.warn(unavailable);

describe.skipIf(unavailable)('maxItems across the jobs of a queued run', () => {
  let server: TestRedis;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
  });
  const runs: string[] = [];
  const newRun = () => {
    runs.push(`t-${randomBytes(4).toString('hex')}`);
    return runs.at(-1)!;
  };
  afterAll(async () => {
    for (const run of runs) {
      for (const kind of ['repo', 'team']) await redis.del(itemsKey(run, kind), itemPagesKey(run, kind));
    }
    redis?.disconnect();
    await server?.stop();
  });

  it('counts each page once: a job run again gets the share its pages got the first time', async () => {
    const run = newRun();
    expect(await countItems(redis, run, 'repo', 'job-a/0-0', 40)).toBe(0);
    expect(await countItems(redis, run, 'repo', 'job-b/0-0', 40)).toBe(40);
    // job-a retried (or handed to another worker after a kill): its page is not counted again.
    expect(await countItems(redis, run, 'repo', 'job-a/0-0', 40)).toBe(0);
    expect(await countItems(redis, run, 'repo', 'job-a/0-1', 40)).toBe(80);
    expect(await redis.get(itemsKey(run, 'repo'))).toBe('120');
    // Another kind has its own counter.
    expect(await countItems(redis, run, 'team', 'job-a/0-0', 5)).toBe(0);
  });

  it('gives concurrent pages disjoint shares', async () => {
    const run = newRun();
    const befores = await Promise.all(
      Array.from({ length: 20 }, (_, i) => countItems(redis, run, 'repo', `job-${i}/0-0`, 10)),
    );
    expect([...befores].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i * 10));
    expect(await redis.hlen(itemPagesKey(run, 'repo'))).toBe(20);
  });
});
