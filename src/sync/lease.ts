import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import {
  type CatalogStore,
  DEFAULT_LEASE_TTL_MS,
  type LeaseHolder,
  type LeaseInfo,
} from '../catalog/index.js';
import { BusyError } from '../errors/errors.js';
import { type Clock, systemClock } from '../http/clock.js';

/** How a run takes its integration's lease (one run of an integration at a time per catalog). */
export interface LeaseSettings {
  /** Wait for a running run to finish (`--wait`), or fail at once with E_BUSY (`--no-wait`). @default true */
  wait?: boolean;
  /** A holder silent for this long is presumed dead and taken over. @default 60000 */
  ttlMs?: number;
  /** How often a waiting run asks again. @default 1000 */
  pollMs?: number;
  /** Who we are. @default this process on this host */
  holder?: LeaseHolder;
  clock?: Clock;
}

export type LeaseStore = Pick<CatalogStore, 'startRun' | 'heartbeat'>;

/** `run 12 (holder 4242@build-1, last heartbeat 2026-12-01T10:00:00.000Z)`: what a waiting user needs. */
export function describeLease(lease: LeaseInfo): string {
  return `run ${lease.runId} of ${lease.integration} (holder ${lease.holder.pid}@${lease.holder.host}, last heartbeat ${lease.heartbeatAt})`;
}

/** A holder on this host whose process is gone can be taken over at once, not after the TTL. */
function isDeadLocally(holder: LeaseHolder): boolean {
  if (holder.host !== hostname() || holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Start a run holding the integration's lease: waits (polling) while another live run holds it,
 * or throws E_BUSY at once with `wait: false`. `onWaiting` hears once which run it waits for.
 */
export async function acquireRun(
  store: LeaseStore,
  integration: string,
  kinds: string[],
  settings: LeaseSettings = {},
  signal?: AbortSignal,
  onWaiting?: (message: string) => void,
): Promise<{ runId: number; ttlMs: number; tookOver?: LeaseInfo }> {
  const clock = settings.clock ?? systemClock;
  const ttlMs = settings.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const holder = settings.holder ?? { pid: process.pid, host: hostname() };
  let told = false;
  for (;;) {
    signal?.throwIfAborted();
    const start = await store.startRun(integration, kinds, { holder, ttlMs, isDead: isDeadLocally });
    if (start.ok) return { runId: start.runId, ttlMs, tookOver: start.tookOver };
    const busy = `${describeLease(start.lease)} is still running`;
    if (settings.wait === false) {
      throw new BusyError(`${busy}; not waiting (--no-wait). Run again later, or without --no-wait to wait`);
    }
    if (!told) onWaiting?.(`waiting: ${busy}`);
    told = true;
    await clock.sleep(settings.pollMs ?? 1000, signal);
  }
}

/**
 * Keeps the lease alive while the run works: a heartbeat every third of the TTL. When the store
 * says the lease was taken over, `onLost` stops the run before it can delete anything.
 */
export function keepLease(
  store: LeaseStore,
  runId: number,
  ttlMs: number,
  onLost: () => void,
): { stop(): Promise<void> } {
  let pending: Promise<unknown> = Promise.resolve();
  const beat = () => {
    pending = store.heartbeat(runId).then(
      (held) => {
        if (!held) onLost();
      },
      // A store hiccup is not a lost lease: the next beat tries again, the TTL has slack for it.
      () => {},
    );
  };
  const timer = setInterval(beat, Math.max(50, Math.floor(ttlMs / 3)));
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await pending;
    },
  };
}

/** A started run holding its lease: `signal` aborts on the caller's signal or a lost lease. */
export interface LeasedRun {
  runId: number;
  signal: AbortSignal;
  /** True once a heartbeat found the lease taken over: the run must delete nothing. */
  lostLease(): boolean;
  /** Stop the heartbeats and detach from the caller's signal (before `finishRun`). */
  release(): Promise<void>;
}

/**
 * `acquireRun` plus what every run does next, local or queued: warn about a taken-over run,
 * heartbeat, and stop on Ctrl-C or when another process took the lease over.
 */
export async function startLeasedRun(
  store: LeaseStore,
  integration: string,
  kinds: string[],
  settings: LeaseSettings | undefined,
  signal: AbortSignal | undefined,
  onWarning: ((message: string) => void) | undefined,
): Promise<LeasedRun> {
  const run = await acquireRun(store, integration, kinds, settings, signal, onWarning);
  if (run.tookOver) {
    onWarning?.(
      `took over the lease of run ${run.tookOver.runId} (holder ${run.tookOver.holder.pid}@${run.tookOver.holder.host} silent since ${run.tookOver.heartbeatAt}); it is marked aborted`,
    );
  }
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  let lost = false;
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  const lease = keepLease(store, run.runId, run.ttlMs, () => {
    lost = true;
    controller.abort(new Error(`run ${run.runId} lost its lease`));
  });
  return {
    runId: run.runId,
    signal: controller.signal,
    lostLease: () => lost,
    release: async () => {
      await lease.stop();
      signal?.removeEventListener('abort', onAbort);
    },
  };
}
