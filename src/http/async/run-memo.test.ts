import { describe, expect, it } from 'vitest';
import { RunMemo } from './run-memo.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function counted(count: number, failAfter = -1) {
  const stats = { started: 0, produced: 0 };
  const factory = () =>
    (async function* () {
      stats.started++;
      for (let i = 0; i < count; i++) {
        await tick();
        if (i === failAfter) throw new Error('source failed');
        stats.produced++;
        yield i;
      }
    })();
  return { stats, factory };
}

async function collect(
  items: AsyncIterable<number>,
  delay = 0,
): Promise<{ items: number[]; error?: unknown }> {
  const out: number[] = [];
  try {
    for await (const item of items) {
      out.push(item);
      for (let t = 0; t < delay; t++) await tick();
    }
    return { items: out };
  } catch (error) {
    return { items: out, error };
  }
}

describe('RunMemo', () => {
  it('reads the source once for three concurrent subscribers at different speeds and a late one', async () => {
    const memo = new RunMemo();
    const { stats, factory } = counted(10);
    const other = counted(10);
    const runs = await Promise.all([0, 1, 3].map((delay) => collect(memo.shared('repos', factory), delay)));
    const late = await collect(memo.shared('repos', other.factory));
    const expected = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    for (const run of [...runs, late]) expect(run).toEqual({ items: expected });
    expect(stats).toEqual({ started: 1, produced: 10 });
    expect(other.stats.started).toBe(0);
  });

  it('does not start the source before a subscriber iterates, and keeps keys apart', async () => {
    const memo = new RunMemo();
    const a = counted(2);
    const b = counted(3);
    const shared = memo.shared('a', a.factory);
    expect(a.stats.started).toBe(0);
    expect((await collect(memo.shared('b', b.factory))).items).toEqual([0, 1, 2]);
    expect((await collect(shared)).items).toEqual([0, 1]);
    expect([a.stats.started, b.stats.started]).toEqual([1, 1]);
  });

  it('delivers a source error to every subscriber after the items before it', async () => {
    const memo = new RunMemo();
    const { stats, factory } = counted(10, 2);
    const runs = await Promise.all([0, 2, 0].map((delay) => collect(memo.shared('k', factory), delay)));
    runs.push(await collect(memo.shared('k', factory)));
    for (const run of runs) {
      expect(run.items).toEqual([0, 1]);
      expect(run.error).toBeInstanceOf(Error);
      expect((run.error as Error).message).toBe('source failed');
    }
    expect(stats.started).toBe(1);
  });

  it('lets a subscriber stop early without ending the source for the others', async () => {
    const memo = new RunMemo();
    const { stats, factory } = counted(5);
    for await (const item of memo.shared('k', factory)) if (item === 1) break;
    expect((await collect(memo.shared('k', factory))).items).toEqual([0, 1, 2, 3, 4]);
    expect(stats.produced).toBe(5);
  });
});
