import type { ClaimedEntry, DeliveryOutcome, InboxEntry } from '../catalog/index.js';
import { isInletError } from '../errors/errors.js';
import { type Clock, systemClock } from '../http/clock.js';
import { applyEntry } from './apply-entry.js';
import type { Applier, ApplierDeps } from './types.js';

/** How the applier polls, claims and retries; every field has a default. */
export interface ApplierOptions {
  /** Tries before an entry is `dead`. @default 5 */
  attempts?: number;
  /** The first retry's wait, doubled at each further try (1 s, 2 s, 4 s, 8 s). @default 1000 */
  backoffMs?: number;
  /** Between looks at the inbox when not woken (another server's deliveries, retries falling due). @default 1000 */
  pollMs?: number;
  /**
   * Entries claimed at once, applied oldest first and settled together in one transaction. `stop()`
   * finishes the entry in hand and gives the batch's untried entries back (due again at once); a
   * killed applier's batch waits for its claim to expire. @default 32
   */
  batch?: number;
  /** How long a claim keeps other appliers off an entry; a killed applier's entries come back after it. @default 60000 */
  claimMs?: number;
}

/** Deliveries arriving less than this long ago (real time) mean a burst: the applier gives way. */
const QUIET_MS = 20;
/** In a burst, the applier works at most this long at a stretch (then settles what it did)… */
const SLICE_MS = 2;
/** …and then pauses this long, so acks come first; a burst's backlog is applied right after it. */
const PAUSE_MS = 25;
/** Entries claimed at once in a burst (at most `batch`): a claim is one step that cannot yield. */
const BURST_BATCH = 8;

const MAX_ERROR = 500;

/**
 * Start applying the integration's inbox (docs: "Deliveries are applied from the inbox"): claims
 * due pending entries oldest first, applies each, settles it `applied`, `stale`, for a retry with
 * backoff, or `dead` after the last try. While deliveries are arriving (`wake()` calls less than
 * QUIET_MS apart) it works in short slices with pauses between, so receiving is not slowed by
 * applying; it goes full speed once they stop. Runs until `stop()`, which lets the entry in hand
 * finish and gives back the claimed entries not started.
 * @example
 * const applier = startApplier({ integration: 'github', store, events, mapper: github.mapper });
 * // after a delivery is stored: applier.wake(); on shutdown: await applier.stop();
 */
export function startApplier(deps: ApplierDeps & ApplierOptions): Applier {
  const clock: Clock = deps.clock ?? systemClock;
  const settings = {
    attempts: deps.attempts ?? 5,
    backoffMs: deps.backoffMs ?? 1000,
    pollMs: deps.pollMs ?? 1000,
    batch: deps.batch ?? 32,
    claimMs: deps.claimMs ?? 60_000,
  };
  let stopping = false;
  let woken = false;
  let lastArrival = Number.NEGATIVE_INFINITY;
  let nap: AbortController | undefined;
  /** Aborted by stop(): ends a burst pause early. */
  const halt = new AbortController();
  const busy = () => performance.now() - lastArrival < QUIET_MS;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (halt.signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        halt.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      halt.signal.addEventListener('abort', done, { once: true });
    });

  /** Applies one entry; what to settle it as (nothing is written to the inbox here). */
  const applyOne = async (entry: InboxEntry): Promise<DeliveryOutcome> => {
    try {
      const done = await applyEntry(entry, deps);
      deps.metrics?.applied(done.kind, done.result);
      deps.logger?.debug(
        { entry: entry.id, delivery: entry.deliveryId, kind: done.kind, result: done.result },
        'webhook applied',
      );
      return { status: done.result === 'stale' ? 'stale' : 'applied' };
    } catch (error) {
      const message = oneLine(error, deps.redact);
      const tries = entry.attempts + 1;
      deps.metrics?.applied(entry.kind, 'failed');
      if (tries >= settings.attempts) {
        deps.logger?.error(
          { entry: entry.id, delivery: entry.deliveryId, tries },
          `webhook dead: ${message}`,
        );
        return { status: 'dead', error: message };
      }
      deps.logger?.warn({ entry: entry.id, delivery: entry.deliveryId, tries }, `webhook failed: ${message}`);
      return {
        status: 'retry',
        error: message,
        retryAt: clock.now() + settings.backoffMs * 2 ** (tries - 1),
      };
    }
  };

  /** One look at the inbox: how many entries were claimed. */
  const pass = async (limit: number): Promise<number> => {
    let slice = performance.now();
    const entries = await deps.store.claimDeliveries(deps.integration, {
      limit,
      claimMs: settings.claimMs,
    });
    const settled: Array<{ id: number; outcome: DeliveryOutcome }> = [];
    const settle = () => deps.store.settleDeliveries(settled.splice(0));
    let next = 0;
    try {
      // Oldest first, as claimed; a second applier holds other entries (claims), never the same one.
      while (next < entries.length && !stopping) {
        const entry = entries[next++] as ClaimedEntry;
        settled.push({ id: entry.id, outcome: await applyOne(entry) });
        if (next === entries.length) break;
        if (busy() && performance.now() - slice >= SLICE_MS) {
          await settle();
          await pause(PAUSE_MS);
          slice = performance.now();
        } else {
          // Acks come first: the SQLite store answers without yielding, so let pending I/O (deliveries
          // being received) run between entries, or a backlog would hold every 2xx until it drains.
          await yieldToIo();
        }
      }
      await settle();
    } finally {
      // Stopping: the entries not started go back at once rather than when their claim expires.
      const untried = entries.slice(next);
      if (untried.length > 0) {
        await deps.store.releaseDeliveries(
          untried.map((e) => e.id),
          (untried[0] as ClaimedEntry).claimedUntil,
        );
      }
    }
    return entries.length;
  };

  let reported = Number.NEGATIVE_INFINITY;
  /** The inbox gauges: when the inbox is drained, and at most once a second while it is busy. */
  const report = async (drained: boolean) => {
    if (!deps.metrics || (!drained && clock.now() - reported < 1000)) return;
    reported = clock.now();
    deps.metrics.inbox(await deps.store.inboxCounts(deps.integration));
  };

  const loop = async () => {
    while (!stopping) {
      woken = false;
      // In a burst, let the deliveries through first; meanwhile more entries gather for this claim.
      let limit = settings.batch;
      if (busy()) {
        await pause(PAUSE_MS);
        limit = Math.min(limit, BURST_BATCH);
      }
      if (stopping) break;
      let claimed = 0;
      try {
        claimed = await pass(limit);
        await report(claimed < limit);
      } catch (error) {
        deps.logger?.error(`webhook inbox: ${oneLine(error, deps.redact)}`);
      }
      if (stopping) break;
      await yieldToIo();
      // stop() may have come during the yield, before there was a nap for it to end.
      if (stopping) break;
      // A full batch means more are waiting: look again at once.
      if (claimed >= limit || woken) continue;
      nap = new AbortController();
      await clock.sleep(settings.pollMs, nap.signal).catch(() => {});
      nap = undefined;
    }
  };

  const running = loop();
  return {
    wake: () => {
      woken = true;
      lastArrival = performance.now();
      nap?.abort();
    },
    stop: async () => {
      stopping = true;
      halt.abort();
      nap?.abort();
      await running;
    },
  };
}

const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

/** An entry's stored error: the error's one-line form, secrets scrubbed, one line, bounded. */
function oneLine(error: unknown, redact: ((text: string) => string) | undefined): string {
  const text = isInletError(error) ? error.toLine() : error instanceof Error ? error.message : String(error);
  const line = (redact ? redact(text) : text).replace(/\s*[\r\n]+\s*/g, ' ').trim();
  return line.length > MAX_ERROR ? `${line.slice(0, MAX_ERROR - 1)}…` : line;
}
