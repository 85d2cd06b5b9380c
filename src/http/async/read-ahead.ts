import { ConfigError } from '../../errors/errors.js';

/** Reads `source` into a buffer of at most `size` items, ahead of a slower consumer. */
function startReading<T>(source: AsyncIterable<T>, size: number) {
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new ConfigError(`read-ahead size must be a whole number >= 1, got ${String(size)}`);
  }
  const it = source[Symbol.asyncIterator]();
  const buffer: T[] = [];
  let ended = false;
  let failure: { error: unknown } | undefined;
  let stopped = false;
  let wakeConsumer: (() => void) | undefined;
  let wakeReader: (() => void) | undefined;
  const wake = () => {
    wakeConsumer?.();
    wakeConsumer = undefined;
  };
  const reader = (async () => {
    try {
      while (!stopped) {
        if (buffer.length >= size) {
          await new Promise<void>((resolve) => {
            wakeReader = resolve;
          });
          continue;
        }
        const step = await it.next();
        if (step.done) return;
        buffer.push(step.value);
        wake();
      }
    } catch (error) {
      failure = { error };
    } finally {
      ended = true;
      wake();
    }
  })();
  return {
    /** Up to `max` of the items read so far (at least one), or undefined once the source ended; rejects with its error. */
    async take(max: number): Promise<T[] | undefined> {
      for (;;) {
        if (buffer.length > 0) {
          const items = buffer.splice(0, max);
          wakeReader?.();
          wakeReader = undefined;
          return items;
        }
        if (ended) {
          if (failure) throw failure.error;
          return undefined;
        }
        await new Promise<void>((resolve) => {
          wakeConsumer = resolve;
        });
      }
    },
    async stop(): Promise<void> {
      stopped = true;
      wakeReader?.();
      // An async generator queues return() behind a pending next(): the page in flight settles first.
      if (!ended) await Promise.resolve(it.return?.()).catch(() => {});
      await reader;
    },
  };
}

/**
 * Keep up to `size` items of `source` read ahead of a slower consumer, so reading (requests on the
 * wire) and consuming (mapping and storing a page) overlap instead of adding up: mergeBounded pulls
 * a source's next page only when its last one is taken (docs/performance.md, bench/workers). Order is
 * kept; an error from the source comes after the items read before it; the consumer's early
 * `return()` stops reading, closes the source (after a pull in flight settles) and drops the rest.
 * @example for await (const page of readAhead(pages, 8)) await store(page);
 */
export async function* readAhead<T>(source: AsyncIterable<T>, size: number): AsyncGenerator<T> {
  for await (const [item] of consume(source, size, 1)) yield item as T;
}

/**
 * readAhead, handing the consumer everything read while it was busy, in order (at least one item):
 * a consumer that stores each batch in one write writes more at once exactly when it falls behind.
 * @example for await (const pages of readAheadBatches(pages, 8)) await storeAll(pages);
 */
export function readAheadBatches<T>(source: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  return consume(source, size, size);
}

/**
 * readAheadBatches, or with `readAhead` false one item a batch pulled only when asked for: a kind
 * capped by `maxItems` sends no request past the page that reaches its cap.
 */
export function pageBatches<T>(
  source: AsyncIterable<T>,
  size: number,
  readAhead: boolean,
): AsyncIterable<T[]> {
  if (readAhead) return readAheadBatches(source, size);
  return (async function* () {
    for await (const item of source) yield [item];
  })();
}

async function* consume<T>(source: AsyncIterable<T>, size: number, max: number): AsyncGenerator<T[]> {
  const reading = startReading(source, size);
  try {
    for (let items = await reading.take(max); items; items = await reading.take(max)) yield items;
  } finally {
    await reading.stop();
  }
}
