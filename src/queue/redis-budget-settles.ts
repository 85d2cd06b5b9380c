/**
 * The settles of a Redis budget store, batched: every settle made in one turn of the event loop goes
 * to Redis in one SETTLE script per budget (redis-budget-scripts.ts), applied there in order as one
 * call each would be. A settle resolves once its batch is in Redis, so what it reported holds for
 * every process by then, as before; a worker answering hundreds of requests a second runs a few
 * scripts per tick instead of one per response (bench/workers, docs/performance.md).
 */
import type { NetworkError } from '../errors/errors.js';
import type { BudgetReport } from '../http/budget-store.js';

/** The Redis keys of one budget: its origin's block, its window state, its reservations. */
export interface BudgetKeys {
  block: string;
  state: string;
  flight: string;
}

type Runner = (name: 'settle' | 'block', keys: string[], args: string[]) => Promise<unknown>;

interface Batch {
  keys: BudgetKeys;
  declared: string[];
  /** Six ARGV fields per settle, in the order they were made. */
  fields: string[];
  latest: number;
  /** Blocks reported for another origin than the budget's (a redirect), by that origin's block key. */
  foreign: Map<string, { until: number; reason: string; now: number }>;
}

const optional = (n: number | undefined) => (n === undefined ? '' : String(n));

export interface SettleBatches {
  /**
   * Queue one settle of reservation `id` (`''`: none held) for the next batch; resolves when it is in
   * Redis. `foreign` is the block key of the origin a redirect's rejection came from.
   */
  add(
    keys: BudgetKeys,
    id: string,
    report: BudgetReport,
    declared: string[],
    now: number,
    foreign?: string,
  ): Promise<void>;
  /** Resolves once what was queued so far is in Redis. */
  flush(): Promise<void>;
}

/**
 * @param onBlocked called when a batch's reply says the budget's origin is blocked now (by any process)
 * @param onError a batch that failed (Redis unreachable): its settles resolve anyway
 */
export function settleBatches(
  run: Runner,
  idleTtl: number,
  onError: ((error: NetworkError) => void) | undefined,
  onBlocked: (keys: BudgetKeys) => void,
): SettleBatches {
  let batches = new Map<string, Batch>();
  let scheduled: Promise<void> | undefined;

  const send = async (batch: Batch) => {
    try {
      for (const [block, b] of batch.foreign) {
        await run('block', [block], [String(b.now), String(b.until), b.reason, String(idleTtl)]);
      }
      const { keys } = batch;
      const args = [String(batch.latest), '', '', String(idleTtl), ...batch.declared];
      args.push(String(batch.fields.length / 6), ...batch.fields);
      const blockedUntil = Number(await run('settle', [keys.block, keys.state, keys.flight], args));
      if (blockedUntil > 0) onBlocked(keys);
    } catch (error) {
      // The responses already arrived: failing them over bookkeeping would make the retry policy send
      // them again. Their reservations lapse after reservationTtl; the next acquire meets the outage.
      onError?.(error as NetworkError);
    }
  };

  const flushLater = () =>
    new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const due = batches;
      batches = new Map();
      scheduled = undefined;
      await Promise.all([...due.values()].map(send));
    });

  return {
    add(keys, id, report, declared, now, foreign) {
      const name = `${keys.state} ${declared.join(' ')}`;
      let batch = batches.get(name);
      if (!batch) {
        batch = { keys, declared, fields: [], latest: now, foreign: new Map() };
        batches.set(name, batch);
      }
      batch.latest = Math.max(batch.latest, now);
      const block = foreign === undefined ? report.block : undefined;
      if (foreign !== undefined && report.block) {
        const seen = batch.foreign.get(foreign);
        if (!seen || report.block.until > seen.until) {
          batch.foreign.set(foreign, { until: report.block.until, reason: report.block.reason, now });
        }
      }
      batch.fields.push(
        id,
        String(now),
        optional(report.remaining),
        optional(report.resetAt),
        optional(block?.until),
        block?.reason ?? '',
      );
      scheduled ??= flushLater();
      return scheduled;
    },

    flush() {
      return scheduled ?? Promise.resolve();
    },
  };
}
