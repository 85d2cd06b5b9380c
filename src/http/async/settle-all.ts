/**
 * Waits for every task, then throws the first one's failure (in the order given), if any.
 *
 * Unlike `Promise.all`, nothing is still running when the caller sees the failure: a job that
 * failed while its other half kept writing, or a close that skipped the closes after it.
 *
 * @example
 * await settleAll([queue.close(), store.close()]); // both closed, even if the first rejects
 */
export async function settleAll(tasks: Iterable<Promise<unknown> | undefined>): Promise<void> {
  const settled = await Promise.allSettled(tasks);
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
}

/**
 * Runs every closer, each after the one before, even when one fails; then throws the first failure.
 * @example
 * await closeInOrder([() => queue.close(), () => redis.disconnect(), () => store.close()]);
 */
export async function closeInOrder(closers: Iterable<() => unknown>): Promise<void> {
  let failure: { error: unknown } | undefined;
  for (const close of closers) {
    try {
      await close();
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure) throw failure.error;
}
