import { type MergeOptions, mergeBounded } from './merge-bounded.js';

/**
 * For each parent start `child(parent)` and merge the children, at most `concurrency` at a
 * time. Parents are read only as child slots free up, so a long parent list is never
 * buffered; errors and early return behave as in mergeBounded.
 * @example fanOut(repos, (repo) => client.paginate(`/repos/${repo.full_name}/pulls`), { concurrency: 8 })
 */
export function fanOut<P, C>(
  parents: AsyncIterable<P>,
  child: (parent: P) => AsyncIterable<C>,
  options: MergeOptions,
): AsyncGenerator<C> {
  return mergeBounded(children(parents, child), options);
}

async function* children<P, C>(
  parents: AsyncIterable<P>,
  child: (parent: P) => AsyncIterable<C>,
): AsyncGenerator<AsyncIterable<C>> {
  for await (const parent of parents) yield child(parent);
}
