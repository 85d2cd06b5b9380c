import { ConfigError } from '../errors/errors.js';
import type { Clock } from './clock.js';
import { readBudgetHeaders, readRateLimitSignal } from './rate-limit-signal.js';
import type { EventSink, HttpRequest, HttpResponse, Policy } from './types.js';

export interface RateBudgetOptions {
  /** Proactive budget: at most `requests` per `per` ms per (origin, credential); omit both for adaptive-only. */
  requests?: number;
  /** Window of the proactive budget, ms. */
  per?: number;
  /**
   * Header names the server reports its quota in.
   * @default { remaining: 'x-ratelimit-remaining', reset: 'x-ratelimit-reset' }
   */
  headers?: { remaining: string; reset: string };
  clock: Clock;
  onEvent?: EventSink;
}

interface Block {
  until: number;
  reason: string;
}

const DEFAULT_HEADERS = { remaining: 'x-ratelimit-remaining', reset: 'x-ratelimit-reset' };

/**
 * Token buckets kept as a GCRA "theoretical arrival time" per key, which is the same bucket in one number:
 * a request may go at `tat - (per - interval)`, and going pushes `tat` one interval on. Reserving at arrival
 * makes waiters FIFO and exact on virtual time, with no polling.
 */
class RateBudget {
  readonly #clock: Clock;
  readonly #onEvent?: EventSink;
  readonly #headers: { remaining: string; reset: string };
  readonly #bucket?: { per: number; interval: number; reason: string };
  readonly #tat = new Map<string, number>();
  readonly #inFlight = new Map<string, number>();
  readonly #keyBlocks = new Map<string, Block>();
  readonly #originBlocks = new Map<string, Block>();

  constructor(options: RateBudgetOptions) {
    const { requests, per } = options;
    if (requests !== undefined || per !== undefined) {
      if (requests === undefined || per === undefined || !(requests >= 1) || !(per > 0)) {
        throw new ConfigError(
          `rate budget: needs both requests (>= 1) and per (> 0 ms), got requests=${requests} per=${per}`,
        );
      }
      this.#bucket = { per, interval: per / requests, reason: `rate budget ${requests}/${per}ms` };
    }
    this.#clock = options.clock;
    this.#onEvent = options.onEvent;
    this.#headers = options.headers ?? DEFAULT_HEADERS;
  }

  /** Waits until the request may go: neither its key nor its origin is blocked, and a budget token is free. */
  async acquire(req: HttpRequest, key: string): Promise<void> {
    const origin = req.url.origin;
    for (;;) {
      const blocked = this.#blockFor(key, origin);
      if (blocked) {
        // Blocks may be extended while we sleep (another 429), so look again on waking.
        await this.#wait(req, blocked);
        continue;
      }
      const readyAt = this.#reserve(key);
      if (!this.#bucket || readyAt <= this.#clock.now()) return;
      try {
        await this.#wait(req, { until: readyAt, reason: this.#bucket.reason });
      } catch (error) {
        this.#refund(key);
        throw error;
      }
      if (!this.#blockFor(key, origin)) return;
      // Blocked while we waited for the token: hand it back and queue again behind the block, so the
      // waiters do not all burst out the moment the block lifts.
      this.#refund(key);
    }
  }

  sending(key: string): void {
    this.#inFlight.set(key, (this.#inFlight.get(key) ?? 0) + 1);
  }

  settled(key: string): void {
    const left = (this.#inFlight.get(key) ?? 1) - 1;
    if (left > 0) this.#inFlight.set(key, left);
    else this.#inFlight.delete(key);
  }

  /** Adapts to what the server reports: its remaining quota, its reset, and rate-limit rejections. */
  learn(req: HttpRequest, key: string, res: HttpResponse): void {
    const now = this.#clock.now();
    const { remaining, resetAt } = readBudgetHeaders(res, this.#headers, now);
    if (remaining !== undefined) {
      if (this.#bucket) {
        // Requests still in flight will spend quota the server has not counted yet: don't overshoot.
        const available = Math.max(0, remaining - (this.#inFlight.get(key) ?? 0));
        const tat = now + this.#bucket.per - available * this.#bucket.interval;
        if (tat > (this.#tat.get(key) ?? now)) this.#tat.set(key, tat);
      }
      if (remaining <= 0 && resetAt !== undefined && resetAt > now) {
        block(this.#keyBlocks, key, { until: resetAt, reason: `${this.#headers.remaining}: 0` });
      }
    }
    const signal = readRateLimitSignal(res, now);
    // One rejection holds back every request to the origin until the reset: no thundering herd.
    // An unknown wait blocks nothing; the retry policy's backoff covers that request alone.
    if (signal?.waitMs !== undefined) {
      block(this.#originBlocks, req.url.origin, { until: now + signal.waitMs, reason: signal.reason });
    }
  }

  /** The block in force for this key or origin that lasts longest, if any. */
  #blockFor(key: string, origin: string): Block | undefined {
    const now = this.#clock.now();
    let longest: Block | undefined;
    for (const [blocks, id] of [
      [this.#keyBlocks, key],
      [this.#originBlocks, origin],
    ] as const) {
      const found = blocks.get(id);
      if (found && found.until <= now) blocks.delete(id);
      else if (found && (!longest || found.until > longest.until)) longest = found;
    }
    return longest;
  }

  async #wait(req: HttpRequest, wait: Block): Promise<void> {
    const waitMs = wait.until - this.#clock.now();
    const origin = req.url.origin;
    this.#onEvent?.({ type: 'rate-limit-wait', origin, waitMs: Math.ceil(waitMs), reason: wait.reason });
    await this.#clock.sleep(waitMs, req.signal);
  }

  /** Takes a token for `key` and returns when it may be used. */
  #reserve(key: string): number {
    const now = this.#clock.now();
    if (!this.#bucket) return now;
    const tat = Math.max(this.#tat.get(key) ?? now, now);
    this.#tat.set(key, tat + this.#bucket.interval);
    return Math.max(now, tat - (this.#bucket.per - this.#bucket.interval));
  }

  /** Gives back the token of a request that never went. */
  #refund(key: string): void {
    const tat = this.#tat.get(key);
    if (this.#bucket && tat !== undefined) this.#tat.set(key, tat - this.#bucket.interval);
  }
}

function block(blocks: Map<string, Block>, key: string, next: Block): void {
  const current = blocks.get(key);
  if (!current || next.until > current.until) blocks.set(key, next);
}

/**
 * Spaces requests per (origin, credential): a proactive token bucket of `requests` per `per` ms, tightened
 * by the quota the server reports (`remaining`, `reset`), and after a rate-limit response with a known wait
 * every request to that origin waits it out. It never retries; it only waits before sending. Place it
 * after the auth policy (which sets `credentialKey`) and inside the retry policy, so each attempt is spaced.
 * @example compose(retryPolicy(r), authPolicy(a), rateBudgetPolicy({ requests: 10, per: 1000, clock }))(transport)
 */
export function rateBudgetPolicy(options: RateBudgetOptions): Policy {
  const budget = new RateBudget(options);
  return (next) => async (req) => {
    const key = `${req.url.origin} ${req.credentialKey ?? ''}`;
    await budget.acquire(req, key);
    budget.sending(key);
    let res: HttpResponse;
    try {
      res = await next(req);
    } finally {
      budget.settled(key);
    }
    budget.learn(req, key, res);
    return res;
  };
}
