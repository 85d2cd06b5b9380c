import { describe, expect, it } from 'vitest';
import { isInletError } from '../../errors/errors.js';
import { broadcast } from './broadcast.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const ticks = async (n: number) => {
  for (let i = 0; i < n; i++) await tick();
};

/**
 * A hand-written source that counts its reads and closes, and records whether next() was ever
 * called while another next() was still pending (an iterator need not support that).
 */
function source(count: number, options: { failAt?: number; delay?: (i: number) => number } = {}) {
  const stats = { started: 0, pulls: 0, inFlight: 0, maxInFlight: 0, returned: 0, finished: false };
  const factory = (): AsyncIterable<number> => {
    stats.started++;
    let i = 0;
    return {
      [Symbol.asyncIterator]: () => ({
        async next() {
          stats.pulls++;
          stats.inFlight++;
          stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
          try {
            await ticks(options.delay?.(i) ?? 1);
            if (i === options.failAt) throw new Error(`source failed at ${i}`);
            if (i >= count) {
              stats.finished = true;
              return { done: true, value: undefined };
            }
            return { done: false, value: i++ };
          } finally {
            stats.inFlight--;
          }
        },
        async return() {
          stats.returned++;
          await tick();
          return { done: true, value: undefined };
        },
      }),
    };
  };
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
      await ticks(delay);
    }
    return { items: out };
  } catch (error) {
    return { items: out, error };
  }
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Whether a promise has settled after the event loop has had time to run everything it could. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await ticks(20);
  return done;
}

describe('broadcast', () => {
  it('reads the source once and delivers every item in order to consumers of different speeds', async () => {
    const { stats, factory } = source(30);
    const consumers = broadcast(factory, 3, { buffer: 2 });
    const runs = await Promise.all(consumers.map((c, i) => collect(c, [0, 1, 4][i])));
    for (const run of runs) expect(run).toEqual({ items: range(30) });
    expect(stats).toMatchObject({ started: 1, pulls: 31, maxInFlight: 1, returned: 0, finished: true });
  });

  it('starts the source only when a consumer first pulls', async () => {
    const { stats, factory } = source(3);
    const [a, b] = broadcast(factory, 2);
    await ticks(5);
    expect(stats.started).toBe(0);
    expect(await a!.next()).toEqual({ done: false, value: 0 });
    expect(stats.started).toBe(1);
    const [restOfA, allOfB] = await Promise.all([collect(a!), collect(b!)]);
    expect([restOfA.items, allOfB.items]).toEqual([
      [1, 2],
      [0, 1, 2],
    ]);
    expect(stats.started).toBe(1);
  });

  it.each([1, 2, 3])(
    'holds the source at buffer=%i items beyond a consumer that stops pulling, and resumes when it returns',
    async (buffer) => {
      const { stats, factory } = source(20);
      const [fast, stalled] = broadcast(factory, 2, { buffer });
      const got: number[] = [];
      for (let i = 0; i < buffer; i++) got.push(((await fast!.next()) as IteratorYieldResult<number>).value);
      expect(got).toEqual(range(buffer));
      // The stalled consumer has taken nothing, so the next item must not be read.
      const blocked = fast!.next();
      expect(await settled(blocked)).toBe(false);
      expect(stats.pulls).toBe(buffer);

      // One step of the stalled consumer frees one slot: exactly one more read.
      expect(await stalled!.next()).toEqual({ done: false, value: 0 });
      expect(await blocked).toEqual({ done: false, value: buffer });
      const blockedAgain = fast!.next();
      expect(await settled(blockedAgain)).toBe(false);
      expect(stats.pulls).toBe(buffer + 1);

      // Detaching the stalled consumer lets the other read to the end.
      await stalled!.return!();
      expect(await blockedAgain).toEqual({ done: false, value: buffer + 1 });
      expect((await collect(fast!)).items).toEqual(range(20).slice(buffer + 2));
      expect(stats).toMatchObject({ finished: true, returned: 0, maxInFlight: 1 });
    },
  );

  it('never holds more than `buffer` items beyond the slowest consumer over a whole run', async () => {
    const { stats, factory } = source(60, { delay: (i) => i % 3 });
    let maxLead = 0;
    const consumers = broadcast(factory, 3, { buffer: 3 });
    const taken = consumers.map(() => 0);
    await Promise.all(
      consumers.map(async (c, n) => {
        for await (const item of c) {
          expect(item).toBe(taken[n]);
          taken[n]!++;
          // Items read (not counting the final done) minus the slowest consumer's progress.
          maxLead = Math.max(maxLead, Math.min(stats.pulls, 60) - Math.min(...taken));
          await ticks((item * (n + 2)) % 5);
        }
      }),
    );
    expect(taken).toEqual([60, 60, 60]);
    expect(maxLead).toBeLessThanOrEqual(3);
    expect(maxLead).toBeGreaterThan(0);
  });

  it('lets a consumer that breaks early detach without closing or blocking the source for the others', async () => {
    const { stats, factory } = source(15);
    const [early, steady] = broadcast(factory, 2, { buffer: 1 });
    const breaker = (async () => {
      const out: number[] = [];
      for await (const item of early!) {
        out.push(item);
        if (item === 2) break;
      }
      return out;
    })();
    const [first, all] = await Promise.all([breaker, collect(steady!, 2)]);
    expect(first).toEqual([0, 1, 2]);
    expect(all.items).toEqual(range(15));
    expect(stats).toMatchObject({ returned: 0, finished: true });
    expect(await early!.next()).toEqual({ done: true, value: undefined });
  });

  it('detaches a consumer whose loop throws, and the others still get every item', async () => {
    const { stats, factory } = source(10);
    const [thrower, a, b] = broadcast(factory, 3, { buffer: 1 });
    const failing = (async () => {
      for await (const item of thrower!) if (item === 4) throw new Error('mapping failed');
    })();
    const [failure, ...runs] = await Promise.allSettled([failing, collect(a!, 1), collect(b!, 3)]);
    expect(failure).toMatchObject({ status: 'rejected', reason: { message: 'mapping failed' } });
    for (const run of runs) expect(run).toEqual({ status: 'fulfilled', value: { items: range(10) } });
    expect(stats.returned).toBe(0);
  });

  it('closes the source once when every consumer has detached, and reads nothing after', async () => {
    const { stats, factory } = source(100);
    const [a, b] = broadcast(factory, 2, { buffer: 2 });
    // In step, so neither waits on the other: a stops at 3 while b reads on.
    for (let i = 0; i <= 3; i++) await Promise.all([a!.next(), b!.next()]);
    await a!.return!();
    expect(stats.returned).toBe(0);
    for await (const item of b!) if (item === 5) break;
    expect(stats.returned).toBe(1);
    const pulls = stats.pulls;
    expect(pulls).toBeLessThanOrEqual(8);
    expect(await a!.next()).toEqual({ done: true, value: undefined });
    await b!.return!();
    await ticks(5);
    expect(stats).toMatchObject({ pulls, returned: 1, finished: false });
  });

  it('waits for an in-flight read before closing the source when the last consumer detaches', async () => {
    const { stats, factory } = source(10, { delay: () => 10 });
    const [a] = broadcast(factory, 1);
    const pending = a!.next();
    await tick();
    expect(stats.inFlight).toBe(1);
    await a!.return!();
    // return() resolved only after the read settled and the source was closed, never both at once.
    expect(stats).toMatchObject({ inFlight: 0, returned: 1, maxInFlight: 1 });
    expect(await pending).toEqual({ done: true, value: undefined });
  });

  it('never starts the source when every consumer detaches before pulling', async () => {
    const { stats, factory } = source(3);
    const consumers = broadcast(factory, 3);
    await Promise.all(consumers.map((c) => c.return!()));
    expect(stats).toMatchObject({ started: 0, returned: 0 });
  });

  it('delivers a source error to every attached consumer after the items before it, and not to a detached one', async () => {
    const { stats, factory } = source(10, { failAt: 4 });
    const [quick, slow, gone] = broadcast(factory, 3, { buffer: 2 });
    await gone!.return!();
    const runs = await Promise.all([collect(quick!), collect(slow!, 3)]);
    for (const run of runs) {
      expect(run.items).toEqual([0, 1, 2, 3]);
      expect((run.error as Error).message).toBe('source failed at 4');
    }
    expect(await gone!.next()).toEqual({ done: true, value: undefined });
    // The error ends each consumer; a failed source is not closed again.
    expect(await quick!.next()).toEqual({ done: true, value: undefined });
    expect(stats).toMatchObject({ started: 1, returned: 0 });
  });

  it('delivers an error thrown while creating the source to every consumer', async () => {
    const consumers = broadcast<number>(() => {
      throw new Error('no source');
    }, 2);
    const runs = await Promise.all(consumers.map((c) => collect(c)));
    for (const run of runs) expect(run).toMatchObject({ items: [], error: { message: 'no source' } });
  });

  it('serves next() called twice without awaiting in order, on several consumers at once', async () => {
    const { stats, factory } = source(6);
    const [a, b] = broadcast(factory, 2, { buffer: 2 });
    const burstA = [a!.next(), a!.next(), a!.next(), a!.next()];
    const burstB = [b!.next(), b!.next()];
    const [resA, resB] = await Promise.all([Promise.all(burstA), Promise.all(burstB)]);
    expect(resA.map((r) => r.value)).toEqual([0, 1, 2, 3]);
    expect(resB.map((r) => r.value)).toEqual([0, 1]);
    const rest = await Promise.all([
      a!.next(),
      a!.next(),
      a!.next(),
      b!.next(),
      b!.next(),
      b!.next(),
      b!.next(),
    ]);
    expect(rest.map((r) => r.value)).toEqual([4, 5, undefined, 2, 3, 4, 5]);
    expect(await b!.next()).toEqual({ done: true, value: undefined });
    expect(stats.maxInFlight).toBe(1);
  });

  it('keeps a waiting next() ahead of a later one when both wake at once', async () => {
    const { factory } = source(5);
    const [a, b] = broadcast(factory, 2, { buffer: 1 });
    expect(await a!.next()).toEqual({ done: false, value: 0 });
    const first = a!.next();
    expect(await settled(first)).toBe(false);
    // b's step wakes the waiting call; the second call arrives before it has run.
    const stepOfB = b!.next();
    const second = a!.next();
    // With buffer 1, a's second item needs b to take item 1 too.
    const results = await Promise.all([first, second, stepOfB, b!.next()]);
    expect(results.map((r) => r.value)).toEqual([1, 2, 0, 1]);
  });

  it('ends a next() pending behind a stalled consumer when its own consumer returns', async () => {
    const { stats, factory } = source(10);
    const [a] = broadcast(factory, 2, { buffer: 1 });
    expect(await a!.next()).toEqual({ done: false, value: 0 });
    const pending = a!.next();
    expect(await settled(pending)).toBe(false);
    await a!.return!();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(stats.returned).toBe(0);
  });

  it('returns no consumers for zero, and never reads the source', async () => {
    const { stats, factory } = source(3);
    expect(broadcast(factory, 0)).toEqual([]);
    await ticks(3);
    expect(stats.started).toBe(0);
  });

  it.each([
    [-1, {}],
    [1.5, {}],
    [2, { buffer: 0 }],
    [2, { buffer: Number.NaN }],
  ])('rejects consumers=%s with %o as a config error', (consumers, options) => {
    const { stats, factory } = source(3);
    let error: unknown;
    try {
      broadcast(factory, consumers, options);
    } catch (caught) {
      error = caught;
    }
    expect(isInletError(error) && error.code).toBe('E_CONFIG');
    expect(stats.started).toBe(0);
  });
});
