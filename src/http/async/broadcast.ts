import { ConfigError } from '../../errors/errors.js';

export interface BroadcastOptions {
  /**
   * How many items may be held beyond the slowest attached consumer (a whole number >= 1):
   * the source is not read further until that consumer catches up.
   * @default 2
   */
  buffer?: number;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** One consumer's place in the shared stream: the index of the next item it takes. */
interface Cursor {
  position: number;
  attached: boolean;
}

/** The one read of the source, and the window of items not yet taken by every attached consumer. */
class Hub<T> {
  readonly #source: () => AsyncIterable<T>;
  readonly #buffer: number;
  readonly #attached = new Set<Cursor>();
  /** Items `#base` .. `#base + #items.length - 1`; earlier ones were taken by everyone. */
  #items: T[] = [];
  #base = 0;
  #iterator: AsyncIterator<T> | undefined;
  #pulling: Promise<void> | undefined;
  /** How the source ended by itself: exhausted, or failed (delivered to every attached consumer). */
  #end: { error?: unknown; failed: boolean } | undefined;
  /** Set once every consumer has detached: nothing more is read. */
  #closed = false;
  #changed: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(source: () => AsyncIterable<T>, buffer: number) {
    this.#source = source;
    this.#buffer = buffer;
  }

  cursor(): Cursor {
    const cursor = { position: 0, attached: true };
    this.#attached.add(cursor);
    return cursor;
  }

  /** The cursor's next item, reading the source when the window allows and waiting when it does not. */
  async take(cursor: Cursor): Promise<IteratorResult<T, undefined>> {
    for (;;) {
      if (!cursor.attached) return DONE;
      const index = cursor.position - this.#base;
      if (index < this.#items.length) {
        const value = this.#items[index] as T;
        cursor.position++;
        this.#trim();
        return { done: false, value };
      }
      if (this.#end) {
        this.#release(cursor);
        if (this.#end.failed) throw this.#end.error;
        return DONE;
      }
      if (this.#pulling === undefined && this.#readable()) this.#pulling = this.#pull();
      await this.#nextChange();
    }
  }

  /** Detaches the cursor; the last one to go closes the source (after an in-flight read settles). */
  async detach(cursor: Cursor): Promise<void> {
    if (!cursor.attached) return;
    this.#release(cursor);
    if (this.#attached.size > 0 || this.#closed) return;
    this.#closed = true;
    await this.#pulling;
    if (this.#iterator && !this.#end) await this.#iterator.return?.();
  }

  #release(cursor: Cursor): void {
    cursor.attached = false;
    this.#attached.delete(cursor);
    this.#trim();
  }

  /** Another item may be read only while fewer than `buffer` are held beyond the slowest consumer. */
  #readable(): boolean {
    return !this.#closed && this.#base + this.#items.length - this.#slowest() < this.#buffer;
  }

  #slowest(): number {
    let slowest = Number.POSITIVE_INFINITY;
    for (const cursor of this.#attached) slowest = Math.min(slowest, cursor.position);
    return slowest;
  }

  /** Drops the items every attached consumer has taken, and wakes the waiting consumers. */
  #trim(): void {
    const drop = Math.min(this.#slowest(), this.#base + this.#items.length) - this.#base;
    if (drop > 0) {
      this.#items = this.#items.slice(drop);
      this.#base += drop;
    }
    this.#wake();
  }

  /** Never rejects: a source error is kept and delivered by take(), so it cannot go unhandled. */
  async #pull(): Promise<void> {
    try {
      this.#iterator ??= this.#source()[Symbol.asyncIterator]();
      const result = await this.#iterator.next();
      if (result.done) this.#end = { failed: false };
      else this.#items.push(result.value);
    } catch (error) {
      this.#end = { error, failed: true };
    } finally {
      this.#pulling = undefined;
      this.#trim();
    }
  }

  #nextChange(): Promise<void> {
    if (!this.#changed) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.#changed = { promise, resolve };
    }
    return this.#changed.promise;
  }

  #wake(): void {
    const changed = this.#changed;
    this.#changed = undefined;
    changed?.resolve();
  }
}

/** One consumer's iterator: calls are served in order, so `next()` twice without awaiting gets two items. */
function consumer<T>(hub: Hub<T>): AsyncIterableIterator<T> {
  const cursor = hub.cursor();
  let queue: Promise<unknown> = Promise.resolve();
  const ignore = () => undefined;
  const iterator: AsyncIterableIterator<T> = {
    next() {
      const result = queue.then(() => hub.take(cursor));
      queue = result.then(ignore, ignore);
      return result;
    },
    // Immediate, not queued behind a pending next(): a consumer that stops must never wait on the others.
    async return() {
      await hub.detach(cursor);
      return DONE;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/**
 * Read `source` once and deliver every item, in order, to each of `consumers` iterables, with
 * bounded memory: at most `buffer` items are held beyond the slowest attached consumer, and the
 * source is not read further until it catches up. Unlike RunMemo, nothing is replayed, so every
 * consumer must be known up front and each must be iterated or closed (`return()`); one that is
 * neither stalls the others after `buffer` items. The source starts when a consumer first pulls.
 * A consumer that stops early (`break`, a throw in its loop) detaches without blocking the
 * others; when all have detached the source's `return()` is awaited. A source error reaches
 * every attached consumer after the items before it.
 * @example
 * const [forRepos, forPulls] = broadcast(() => client.paginate('/orgs/acme/repos'), 2);
 * await Promise.all([store(forRepos), store(fanOut(forPulls, readPulls, { concurrency: 8 }))]);
 */
export function broadcast<T>(
  source: () => AsyncIterable<T>,
  consumers: number,
  options: BroadcastOptions = {},
): AsyncIterableIterator<T>[] {
  const { buffer = 2 } = options;
  if (!Number.isSafeInteger(consumers) || consumers < 0) {
    throw new ConfigError(`consumers must be a whole number >= 0, got ${String(consumers)}`);
  }
  if (!Number.isSafeInteger(buffer) || buffer < 1) {
    throw new ConfigError(`buffer must be a whole number >= 1, got ${String(buffer)}`);
  }
  const hub = new Hub(source, buffer);
  return Array.from({ length: consumers }, () => consumer(hub));
}
