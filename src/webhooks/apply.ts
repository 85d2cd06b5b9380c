import type { DeliveryOutcome, InboxEntry } from '../catalog/index.js';
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
   * Entries claimed at once. One by default: `stop()` then leaves no entry claimed but unstarted (those
   * wait for their claim to expire before a restarted server may apply them). @default 1
   */
  batch?: number;
  /** How long a claim keeps other appliers off an entry; a killed applier's entries come back after it. @default 60000 */
  claimMs?: number;
}

const MAX_ERROR = 500;

/**
 * Start applying the integration's inbox (docs: "Deliveries are applied from the inbox"): claims
 * due pending entries oldest first, applies each, settles it `applied`, `stale`, for a retry with
 * backoff, or `dead` after the last try. Runs until `stop()`, which lets the entry in hand finish;
 * entries claimed but not started come back to any applier when their claim expires.
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
    batch: deps.batch ?? 1,
    claimMs: deps.claimMs ?? 60_000,
  };
  let stopping = false;
  let woken = false;
  let nap: AbortController | undefined;

  const settle = async (entry: InboxEntry, outcome: DeliveryOutcome) => {
    await deps.store.settleDelivery(entry.id, outcome);
  };

  const applyOne = async (entry: InboxEntry) => {
    try {
      const done = await applyEntry(entry, deps);
      await settle(entry, { status: done.result === 'stale' ? 'stale' : 'applied' });
      deps.metrics?.applied(done.kind, done.result);
      deps.logger?.debug(
        { entry: entry.id, delivery: entry.deliveryId, kind: done.kind, result: done.result },
        'webhook applied',
      );
    } catch (error) {
      const message = oneLine(error, deps.redact);
      const tries = entry.attempts + 1;
      deps.metrics?.applied(entry.kind, 'failed');
      if (tries >= settings.attempts) {
        await settle(entry, { status: 'dead', error: message });
        deps.logger?.error(
          { entry: entry.id, delivery: entry.deliveryId, tries },
          `webhook dead: ${message}`,
        );
      } else {
        const retryAt = clock.now() + settings.backoffMs * 2 ** (tries - 1);
        await settle(entry, { status: 'retry', error: message, retryAt });
        deps.logger?.warn(
          { entry: entry.id, delivery: entry.deliveryId, tries },
          `webhook failed: ${message}`,
        );
      }
    }
  };

  /** One look at the inbox: how many entries were claimed. */
  const pass = async (): Promise<number> => {
    const entries = await deps.store.claimDeliveries(deps.integration, {
      limit: settings.batch,
      claimMs: settings.claimMs,
    });
    // Oldest first, as claimed; a second applier holds other entries (claims), never the same one.
    for (const entry of entries.sort((a, b) => a.id - b.id)) {
      if (stopping) break;
      await applyOne(entry);
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
      let claimed = 0;
      try {
        claimed = await pass();
        await report(claimed < settings.batch);
      } catch (error) {
        deps.logger?.error(`webhook inbox: ${oneLine(error, deps.redact)}`);
      }
      if (stopping) break;
      // Acks come first: the SQLite store answers without yielding, so give pending I/O (deliveries
      // being received) a turn between passes, or a backlog would hold every 2xx until it drains.
      await new Promise((resolve) => setImmediate(resolve));
      // A full batch means more are waiting: look again at once.
      if (claimed >= settings.batch || woken) continue;
      nap = new AbortController();
      await clock.sleep(settings.pollMs, nap.signal).catch(() => {});
      nap = undefined;
    }
  };

  const running = loop();
  return {
    wake: () => {
      woken = true;
      nap?.abort();
    },
    stop: async () => {
      stopping = true;
      nap?.abort();
      await running;
    },
  };
}

/** An entry's stored error: the error's one-line form, secrets scrubbed, one line, bounded. */
function oneLine(error: unknown, redact: ((text: string) => string) | undefined): string {
  const text = isInletError(error) ? error.toLine() : error instanceof Error ? error.message : String(error);
  const line = (redact ? redact(text) : text).replace(/\s*[\r\n]+\s*/g, ' ').trim();
  return line.length > MAX_ERROR ? `${line.slice(0, MAX_ERROR - 1)}…` : line;
}
