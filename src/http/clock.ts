/** Time, injected so tests run long waits on virtual time (DEVELOPERS.md, "Inject clock, sleep"). */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** setTimeout's largest delay; a longer one fires at once (Node docs, "setTimeout"). */
const MAX_TIMER = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      if (!(ms > 0)) return resolve();
      let left = ms;
      let timer: NodeJS.Timeout;
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      // Waits past ~24.8 days (a 30-day maxWait) run as several timers, or they would spin (issue 8).
      const arm = () => {
        const step = Math.min(left, MAX_TIMER);
        left -= step;
        timer = setTimeout(() => {
          if (left > 0) return arm();
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, step);
      };
      arm();
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** A source of randomness in [0, 1), injected so jitter is reproducible in tests. */
export type Random = () => number;
