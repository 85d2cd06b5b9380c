import { ConfigError } from '../../errors/errors.js';

/**
 * Keep up to `size` items of `source` read ahead of a slower consumer, so reading (requests on the
 * wire) and consuming (mapping and storing a page) overlap instead of adding up: mergeBounded pulls
 * a source's next page only when its last one is taken (docs/performance.md, bench/workers). Order is
 * kept; an error from the source comes after the items read before it; the consumer's early
 * `return()` stops reading, closes the source (after a pull in flight settles) and drops the rest.
 * @example for await (const page of readAhead(pages, 8)) await store(page);
 */
export async function* readAhead<T>(source: AsyncIterable<T>, size: number): AsyncGenerator<T> {
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
  try {
    for (;;) {
      if (buffer.length > 0) {
        const item = buffer.shift() as T;
        wakeReader?.();
        wakeReader = undefined;
        yield item;
        continue;
      }
      if (ended) {
        if (failure) throw failure.error;
        return;
      }
      await new Promise<void>((resolve) => {
        wakeConsumer = resolve;
      });
    }
  } finally {
    stopped = true;
    wakeReader?.();
    // An async generator queues return() behind a pending next(): the page in flight settles first.
    if (!ended) await Promise.resolve(it.return?.()).catch(() => {});
    await reader;
  }
}
