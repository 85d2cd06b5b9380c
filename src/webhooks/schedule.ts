import { ConfigError } from '../errors/errors.js';
import { type Clock, systemClock } from '../http/clock.js';
import { parseDuration } from '../http/duration.js';
import type { Logger } from '../http/log.js';

/** The running `--every` schedule; `stop()` aborts the resync in hand (it ends after its current page). */
export interface ResyncSchedule {
  stop(): Promise<void>;
}

export interface ScheduleOptions {
  /** The interval in milliseconds (`parseEvery('1h')`). */
  everyMs: number;
  /** One resync, e.g. `(signal) => integration.sync({ db: store, signal })`; a rejection is logged. */
  resync: (signal: AbortSignal) => Promise<unknown>;
  /** @default systemClock */
  clock?: Clock;
  logger?: Logger;
}

/**
 * `--every DURATION`: a number of milliseconds above 0, or 250ms, 30s, 15m, 1h, 1d.
 * @example parseEvery('1h') // 3600000
 */
export function parseEvery(value: string): number {
  const ms = parseDuration(value, '--every');
  if (!(ms > 0)) throw new ConfigError(`--every: "${value}" must be above 0`);
  return ms;
}

/**
 * Run a resync at once and then every `everyMs` (docs: "--every 1h runs a resync at start and then
 * on that interval"). Ticks keep to the start's rhythm; one that falls due while a resync runs is
 * skipped with a log line, so two never run at once.
 * @example
 * const schedule = startSchedule({ everyMs: parseEvery('1h'), resync: (signal) => github.sync({ db, signal }) });
 * // on shutdown: await schedule.stop();
 */
export function startSchedule(options: ScheduleOptions): ResyncSchedule {
  const clock = options.clock ?? systemClock;
  const stopper = new AbortController();
  let current: Promise<void> | undefined;

  const run = () => {
    current = (async () => {
      try {
        await options.resync(stopper.signal);
      } catch (error) {
        if (!stopper.signal.aborted) {
          options.logger?.error(`resync failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      } finally {
        current = undefined;
      }
    })();
  };

  const ticks = (async () => {
    const start = clock.now();
    for (let tick = 0; !stopper.signal.aborted; tick++) {
      const due = start + tick * options.everyMs;
      try {
        await clock.sleep(due - clock.now(), stopper.signal);
      } catch {
        break;
      }
      // A paused process (laptop asleep) does not replay the ticks it missed.
      tick = Math.max(tick, Math.floor((clock.now() - start) / options.everyMs));
      if (current) options.logger?.info(`resync skipped: the previous one is still running (tick ${tick})`);
      else run();
    }
  })();

  return {
    stop: async () => {
      stopper.abort(new Error('stopping'));
      await ticks;
      await current;
    },
  };
}
