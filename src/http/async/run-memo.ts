/** One shared source: every item read so far, so a later subscriber replays from the start. */
class SharedSource<T> {
  readonly #factory: () => AsyncIterable<T>;
  #iterator: AsyncIterator<T> | undefined;
  readonly #items: T[] = [];
  #done = false;
  #failure: { error: unknown } | undefined;
  #pulling: Promise<void> | undefined;

  constructor(factory: () => AsyncIterable<T>) {
    this.#factory = factory;
  }

  /** Item `index`, reading the source when no subscriber has got that far yet. */
  async at(index: number): Promise<IteratorResult<T, undefined>> {
    while (index >= this.#items.length) {
      if (this.#failure) throw this.#failure.error;
      if (this.#done) return { done: true, value: undefined };
      // One read at a time, awaited by every subscriber that is waiting for the same item.
      this.#pulling ??= this.#pull().finally(() => {
        this.#pulling = undefined;
      });
      await this.#pulling;
    }
    return { done: false, value: this.#items[index] as T };
  }

  async #pull(): Promise<void> {
    try {
      this.#iterator ??= this.#factory()[Symbol.asyncIterator]();
      const result = await this.#iterator.next();
      if (result.done) this.#done = true;
      else this.#items.push(result.value);
    } catch (error) {
      this.#failure = { error };
    }
  }
}

/**
 * Per-run memo of shared sources: a parent kind used by several kinds is read once per run
 * (manifest §4, `parent`). The first subscriber's iteration starts the source; every
 * subscriber, concurrent or later, sees every item in order, read at the pace of the fastest
 * one. Items are kept for the run, so later subscribers replay them; use one memo per run.
 * An error in the source reaches every subscriber, after the items before it.
 * @example
 * const memo = new RunMemo();
 * const repos = () => memo.shared('repository', () => client.paginate('/orgs/acme/repos'));
 */
export class RunMemo {
  readonly #sources = new Map<string, SharedSource<unknown>>();

  /** The source registered under `key`, created by `factory` on first use; later factories are ignored. */
  shared<T>(key: string, factory: () => AsyncIterable<T>): AsyncIterable<T> {
    let source = this.#sources.get(key) as SharedSource<T> | undefined;
    if (!source) {
      source = new SharedSource(factory);
      this.#sources.set(key, source as SharedSource<unknown>);
    }
    const shared = source;
    return {
      async *[Symbol.asyncIterator]() {
        for (let index = 0; ; index++) {
          const result = await shared.at(index);
          if (result.done) return;
          yield result.value;
        }
      },
    };
  }
}
