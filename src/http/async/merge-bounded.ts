import { ConfigError } from '../../errors/errors.js';

export interface MergeOptions {
  /** How many sources are read at once (a whole number >= 1). */
  concurrency: number;
}

type Settled<T> =
  | { from: 'sources'; result: IteratorResult<AsyncIterable<T>> }
  | { from: 'item'; source: AsyncIterator<T>; result: IteratorResult<T> }
  | { from: 'error'; source?: AsyncIterator<T>; error: unknown };

/**
 * Merge async iterables, reading at most `concurrency` of them at once and yielding items as
 * they arrive. The bound is the point: Port Ocean's `stream_async_iterators_tasks` starts
 * every iterator at once, so a kind with 5,000 parents opens 5,000 request chains together and
 * buffers their pages. Here a source is opened only when a slot is free, and each open source
 * has at most one item waiting (its next page is not requested until that item is taken).
 * Per-source order is kept. A failing source stops the others (their `return()` is awaited)
 * and then rejects the merge; a consumer's early `return()` closes every open source likewise.
 * @example for await (const repo of mergeBounded(orgs.map(readRepos), { concurrency: 4 })) store(repo);
 */
export async function* mergeBounded<T>(
  sources: Iterable<AsyncIterable<T>> | AsyncIterable<AsyncIterable<T>>,
  options: MergeOptions,
): AsyncGenerator<T> {
  const { concurrency } = options;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new ConfigError(`concurrency must be a whole number >= 1, got ${String(concurrency)}`);
  }
  const pending = sourceIterator(sources);
  // Sources with a pull in flight or an item out: the bound, and what an early return() closes.
  const open = new Set<AsyncIterator<T>>();
  // Results in the order they settled, so ready sources take turns. A queue, not Promise.race over
  // every open source: a race costs a reaction on each racer per item, and a source that stays
  // pending while the others yield thousands of pages would hold them all until it settles.
  const ready: Settled<T>[] = [];
  let wake: (() => void) | undefined;
  const arrive = (settled: Settled<T>) => {
    ready.push(settled);
    wake?.();
    wake = undefined;
  };
  const pull = (source: AsyncIterator<T>) => {
    void pullItem(source).then(arrive);
  };
  let pullingSources = false;
  let sourcesDone = false;
  try {
    for (;;) {
      // Pull the next source concurrently with the open ones, so a slow parent never stalls children.
      if (!sourcesDone && !pullingSources && open.size < concurrency) {
        pullingSources = true;
        void settle(
          () => pending.next(),
          (result): Settled<T> => ({ from: 'sources', result }),
        ).then(arrive);
      }
      const settled = ready.shift();
      if (settled === undefined) {
        if (open.size === 0 && !pullingSources) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      if (settled.from === 'error') {
        if (settled.source) open.delete(settled.source);
        else sourcesDone = true;
        throw settled.error;
      }
      if (settled.from === 'sources') {
        pullingSources = false;
        if (settled.result.done) sourcesDone = true;
        else {
          const source = settled.result.value[Symbol.asyncIterator]();
          open.add(source);
          pull(source);
        }
        continue;
      }
      if (settled.result.done) {
        open.delete(settled.source);
        continue;
      }
      // The source stays open while its item is out, so an early return() still closes it.
      yield settled.result.value;
      pull(settled.source);
    }
  } finally {
    // A pending pull settles before return() runs (async generators queue calls), so this waits
    // for in-flight pages rather than abandoning them.
    const closing: Promise<unknown>[] = [...open].map((source) =>
      Promise.resolve().then(() => source.return?.()),
    );
    if (!sourcesDone) closing.push(Promise.resolve().then(() => pending.return?.()));
    await Promise.allSettled(closing);
  }
}

function pullItem<T>(source: AsyncIterator<T>): Promise<Settled<T>> {
  return settle(
    () => source.next(),
    (result) => ({ from: 'item', source, result }),
    source,
  );
}

/** Never rejects: an error becomes a value, so a promise that loses the race cannot go unhandled. */
async function settle<R, T>(
  pull: () => R | Promise<R>,
  wrap: (result: R) => Settled<T>,
  source?: AsyncIterator<T>,
): Promise<Settled<T>> {
  try {
    return wrap(await pull());
  } catch (error) {
    return { from: 'error', source, error };
  }
}

type SourceIterator<T> = {
  next(): IteratorResult<AsyncIterable<T>> | Promise<IteratorResult<AsyncIterable<T>>>;
  return?(): unknown;
};

function sourceIterator<T>(
  sources: Iterable<AsyncIterable<T>> | AsyncIterable<AsyncIterable<T>>,
): SourceIterator<T> {
  return Symbol.asyncIterator in sources ? sources[Symbol.asyncIterator]() : sources[Symbol.iterator]();
}
