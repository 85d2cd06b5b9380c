import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisUnavailable, startRedis } from './redis.js';

const unavailable = redisUnavailable();
if (unavailable) console.warn(unavailable);

describe.skipIf(unavailable)('startRedis', () => {
  it('gives each call its own prefix and deletes only that prefix on stop', async () => {
    const a = await startRedis();
    const b = await startRedis();
    expect(a.url).toBe(b.url);
    expect(a.prefix).not.toBe(b.prefix);
    const redis = new Redis(a.url);
    try {
      expect(await redis.ping()).toBe('PONG');
      // More keys than one SCAN page, so stop() must follow the cursor.
      for (let i = 0; i < 1200; i += 100) {
        const pipeline = redis.pipeline();
        for (let j = i; j < i + 100; j += 1) pipeline.set(`${a.prefix}k${j}`, 'x');
        await pipeline.exec();
      }
      await redis.set(`${b.prefix}kept`, 'y');
      await a.stop();
      expect(await redis.keys(`${a.prefix}*`)).toEqual([]);
      expect(await redis.get(`${b.prefix}kept`)).toBe('y');
      await b.stop();
      expect(await redis.get(`${b.prefix}kept`)).toBeNull();
    } finally {
      redis.disconnect();
    }
  });

  it('runs without persistence', async () => {
    const r = await startRedis();
    const redis = new Redis(r.url);
    try {
      const [, save] = (await redis.config('GET', 'save')) as string[];
      const [, aof] = (await redis.config('GET', 'appendonly')) as string[];
      // INLET_TEST_REDIS_URL may point at a server configured otherwise; ours has neither.
      if (!process.env.INLET_TEST_REDIS_URL) expect([save, aof]).toEqual(['', 'no']);
    } finally {
      redis.disconnect();
      await r.stop();
    }
  });
});
