import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { isInletError } from '../../errors/errors.js';
import { mergeBounded } from './merge-bounded.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Sources that record how many are open at once and how many items wait unconsumed. */
function instrument() {
  const stats = { open: 0, maxOpen: 0, produced: 0, closed: [] as string[] };
  const source = (name: string, count: number, failAt = -1): AsyncIterable<[string, number]> =>
    (async function* () {
      stats.open++;
      stats.maxOpen = Math.max(stats.maxOpen, stats.open);
      try {
        for (let i = 0; i < count; i++) {
          // Uneven delays so sources interleave.
          for (let t = 0; t < (name.charCodeAt(0) + i) % 3; t++) await tick();
          if (i === failAt) throw new Error(`boom ${name}`);
          stats.produced++;
          yield [name, i];
        }
      } finally {
        stats.open--;
        stats.closed.push(name);
      }
    })();
  return { stats, source };
}

describe('mergeBounded', () => {
  it('never reads more than `concurrency` sources, buffers one item per source and keeps per-source order', async () => {
    const { stats, source } = instrument();
    const names = 'abcdefghij'.split('');
    const seen: [string, number][] = [];
    let maxWaiting = 0;
    for await (const item of mergeBounded(
      names.map((name) => source(name, 4)),
      { concurrency: 3 },
    )) {
      seen.push(item);
      maxWaiting = Math.max(maxWaiting, stats.produced - seen.length);
      await tick();
    }
    expect(stats.maxOpen).toBe(3);
    expect(maxWaiting).toBeLessThanOrEqual(3);
    expect(seen).toHaveLength(40);
    for (const name of names)
      expect(seen.filter(([n]) => n === name).map(([, i]) => i)).toEqual([0, 1, 2, 3]);
    // Interleaved, not one source after another.
    expect(seen.slice(0, 4).map(([n]) => n)).not.toEqual(['a', 'a', 'a', 'a']);
  });

  it('reads sources one after another with concurrency 1, from a sync iterable', async () => {
    const { source } = instrument();
    const out: [string, number][] = [];
    for await (const item of mergeBounded([source('a', 2), source('b', 0), source('c', 2)], {
      concurrency: 1,
    })) {
      out.push(item);
    }
    expect(out).toEqual([
      ['a', 0],
      ['a', 1],
      ['c', 0],
      ['c', 1],
    ]);
  });

  it('pulls sources from an async iterable lazily', async () => {
    const { source } = instrument();
    let pulled = 0;
    async function* sources() {
      for (const name of 'abcdef') {
        pulled++;
        yield source(name, 2);
      }
    }
    const merged = mergeBounded(sources(), { concurrency: 2 });
    await merged.next();
    expect(pulled).toBeLessThanOrEqual(2);
    await merged.return(undefined);
  });

  it('rejects with a source error after closing the other sources', async () => {
    const { stats, source } = instrument();
    const out: string[] = [];
    const run = async () => {
      for await (const [name] of mergeBounded([source('a', 100), source('b', 100, 2), source('c', 100)], {
        concurrency: 3,
      })) {
        out.push(name);
      }
    };
    await expect(run()).rejects.toThrow('boom b');
    expect(stats.open).toBe(0);
    expect(stats.closed.sort()).toEqual(['a', 'b', 'c']);
    expect(out.length).toBeLessThan(300);
  });

  it('rejects when the iterable of sources fails, closing the open ones', async () => {
    const { stats, source } = instrument();
    async function* sources() {
      yield source('a', 100);
      await tick();
      throw new Error('no more parents');
    }
    await expect(async () => {
      for await (const _ of mergeBounded(sources(), { concurrency: 2 })) await tick();
    }).rejects.toThrow('no more parents');
    expect(stats.open).toBe(0);
  });

  it('closes every open source and the source iterable when the consumer returns early', async () => {
    const { stats, source } = instrument();
    let sourcesClosed = false;
    async function* sources() {
      try {
        for (const name of 'abcdef') yield source(name, 100);
      } finally {
        sourcesClosed = true;
      }
    }
    let taken = 0;
    for await (const _ of mergeBounded(sources(), { concurrency: 3 })) {
      if (++taken === 5) break;
    }
    expect(stats.open).toBe(0);
    expect(stats.closed).toHaveLength(3);
    expect(sourcesClosed).toBe(true);
  });

  it('rejects a concurrency below 1', async () => {
    const error = await mergeBounded([], { concurrency: 0 })
      .next()
      .catch((e: unknown) => e);
    expect(isInletError(error, 'E_CONFIG')).toBe(true);
  });
});

describe('mergeBounded memory', () => {
  it('holds nothing per item for a source that stays pending while another yields', async () => {
    // Promise.race over the open sources added a reaction to the pending one per item taken from
    // the other, all kept until it settled: a slow parent chain beside a fast one grew the heap
    // with every page. Measured after a full GC, so only what is still referenced counts.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    setFlagsFromString('--no-expose-gc');
    let release!: () => void;
    const slow = (async function* () {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      yield -1;
    })();
    const fast = (async function* () {
      for (let i = 0; i < 200_000; i++) yield i;
    })();
    let heapAt20k = 0;
    let heapAt200k = 0;
    let count = 0;
    for await (const item of mergeBounded<number>([slow, fast], { concurrency: 2 })) {
      count++;
      if (item === 20_000 || item === 199_999) {
        gc();
        const used = process.memoryUsage().heapUsed;
        if (item === 20_000) heapAt20k = used;
        else {
          heapAt200k = used;
          release();
        }
      }
    }
    expect(count).toBe(200_001);
    // The old race kept about 400 bytes per item here (72 MB over 180,000 items).
    expect(heapAt200k - heapAt20k).toBeLessThan(4 * 1024 * 1024);
  });
});
