import { describe, expect, it } from 'vitest';
import { readAhead, readAheadBatches } from './read-ahead.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A source that counts the items it produced and whether it was closed. */
function counted(count: number, failAt = -1) {
  const stats = { produced: 0, closed: false };
  const source = (async function* () {
    try {
      for (let i = 0; i < count; i++) {
        await tick();
        if (i === failAt) throw new Error(`boom at ${i}`);
        stats.produced++;
        yield i;
      }
    } finally {
      stats.closed = true;
    }
  })();
  return { stats, source };
}

describe('readAhead', () => {
  it('reads ahead while the consumer is busy, never more than `size` items, in order', async () => {
    const { stats, source } = counted(20);
    const seen: number[] = [];
    let maxAhead = 0;
    for await (const item of readAhead(source, 4)) {
      // A slow consumer: the source keeps producing meanwhile, up to the bound.
      for (let t = 0; t < 10; t++) await tick();
      maxAhead = Math.max(maxAhead, stats.produced - seen.length - 1);
      seen.push(item);
    }
    expect(seen).toEqual([...Array(20).keys()]);
    expect(maxAhead).toBe(4);
  });

  it('overlaps reading with consuming: the wall time is the larger of the two, not their sum', async () => {
    // Fake work measured in ticks: 10 items of 5 ticks to read and 5 ticks to consume.
    let ticks = 0;
    const source = (async function* () {
      for (let i = 0; i < 10; i++) {
        for (let t = 0; t < 5; t++) await tick();
        yield i;
      }
    })();
    // A clock in ticks, running beside both.
    let stop = false;
    const counter = (async () => {
      while (!stop) {
        await tick();
        ticks++;
      }
    })();
    const start = ticks;
    for await (const _ of readAhead(source, 4)) for (let t = 0; t < 5; t++) await tick();
    const spent = ticks - start;
    stop = true;
    await counter;
    // Serial would be 100 ticks; overlapped about 55.
    expect(spent).toBeLessThan(80);
  });

  it('yields what was read before a failure, then rejects with it', async () => {
    const { source } = counted(10, 3);
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const item of readAhead(source, 8)) seen.push(item);
      })(),
    ).rejects.toThrow('boom at 3');
    expect(seen).toEqual([0, 1, 2]);
  });

  it('an early break stops reading and closes the source', async () => {
    const { stats, source } = counted(1_000);
    for await (const item of readAhead(source, 3)) if (item === 5) break;
    expect(stats.closed).toBe(true);
    expect(stats.produced).toBeLessThanOrEqual(6 + 3 + 1);
  });

  it('refuses a size that is not a whole number >= 1', async () => {
    const { source } = counted(1);
    await expect(readAhead(source, 0).next()).rejects.toMatchObject({ code: 'E_CONFIG' });
  });
});

describe('readAheadBatches', () => {
  it('hands over everything read while the consumer was busy, in order, each batch within `size`', async () => {
    const { source } = counted(30);
    const batches: number[][] = [];
    for await (const batch of readAheadBatches(source, 5)) {
      batches.push(batch);
      for (let t = 0; t < 12; t++) await tick();
    }
    expect(batches.flat()).toEqual([...Array(30).keys()]);
    expect(Math.max(...batches.map((b) => b.length))).toBe(5);
    // A slow consumer gets batches, not one item at a time.
    expect(batches.length).toBeLessThan(15);
  });
});
