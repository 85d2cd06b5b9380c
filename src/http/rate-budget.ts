import { ConfigError, RateLimitError } from '../errors/errors.js';
import type { Clock } from './clock.js';
import { formatDuration } from './duration.js';
import { DEFAULT_MAX_WAIT, readBudgetHeaders, readRateLimitSignal } from './rate-limit-signal.js';
import type { EventSink, Handler, HttpRequest, HttpResponse, Policy } from './types.js';

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
  /**
   * Longest wait for a server-reported block (quota spent, or a rate-limit response) or for one budget
   * token, ms; a request facing a longer one fails at once with RateLimitError instead of waiting.
   * @default 900_000 (15 min, as the retry policy)
   */
  maxWait?: number;
  clock: Clock;
  onEvent?: EventSink;
}

interface Block {
  until: number;
  reason: string;
  /** The wait in words for errors, completed by a duration: `the server resets in`. */
  waiting: string;
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
  readonly #maxWait: number;
  readonly #bucket?: { per: number; interval: number; reason: string };
  readonly #tat = new Map<string, number>();
  readonly #inFlight = new Map<string, number>();
  readonly #keyBlocks = new Map<string, Block>();
  readonly #originBlocks = new Map<string, Block>();

  constructor(options: RateBudgetOptions) {
    const { requests, per, maxWait = DEFAULT_MAX_WAIT } = options;
    if (!(maxWait >= 0)) throw new ConfigError(`rate budget: maxWait must be >= 0 ms, got ${maxWait}`);
    this.#maxWait = maxWait;
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

  /**
   * Waits until the request may go: neither its key nor its origin is blocked, and a budget token is free.
   * Throws RateLimitError at once, holding no token, when one of those waits is longer than maxWait.
   */
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
        const waiting = 'the next token is free in';
        await this.#wait(req, { until: readyAt, reason: this.#bucket.reason, waiting });
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

  /** Takes a token without waiting when nothing blocks and one is free now; false means use `acquire`. */
  tryAcquire(req: HttpRequest, key: string): boolean {
    if (this.#blockFor(key, req.url.origin)) return false;
    if (!this.#bucket) return true;
    if (this.#reserve(key) <= this.#clock.now()) return true;
    this.#refund(key);
    return false;
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
  learn(key: string, res: HttpResponse): void {
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
        const reason = `${this.#headers.remaining}: 0`;
        block(this.#keyBlocks, key, { until: resetAt, reason, waiting: 'the server resets in' });
      }
    }
    const signal = readRateLimitSignal(res, now);
    // One rejection holds back every request to the origin until the reset: no thundering herd.
    // An unknown wait blocks nothing; the retry policy's backoff covers that request alone.
    // The origin that answered is the last hop's, should the request have been redirected below us.
    if (signal?.waitMs !== undefined) {
      block(this.#originBlocks, res.request.url.origin, {
        until: now + signal.waitMs,
        reason: signal.reason,
        waiting: 'the server asks to wait',
      });
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
    const exact = wait.until - this.#clock.now();
    const waitMs = Math.ceil(exact);
    if (waitMs > this.#maxWait) {
      // No URL: it may carry secrets; the client adds redacted context.
      throw new RateLimitError(
        `rate budget exhausted: ${wait.waiting} ${formatDuration(waitMs)} (${wait.reason}), longer than maxWait ${formatDuration(this.#maxWait)}`,
        { method: req.method, waitMs },
      );
    }
    this.#onEvent?.({ type: 'rate-limit-wait', origin: req.url.origin, waitMs, reason: wait.reason });
    await this.#clock.sleep(exact, req.signal);
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
 * every request to that origin waits it out. A wait longer than `maxWait` fails fast with RateLimitError
 * (E_RATE_LIMIT) instead. It never retries; it only waits before sending. Place it
 * after the auth policy (which sets `credentialKey`) and inside the retry policy, so each attempt is spaced.
 * @example compose(retryPolicy(r), authPolicy(a), rateBudgetPolicy({ requests: 10, per: 1000, clock }))(transport)
 */
export function rateBudgetPolicy(options: RateBudgetOptions): Policy {
  const budget = new RateBudget(options);
  const send = async (next: Handler, req: HttpRequest, key: string) => {
    budget.sending(key);
    let res: HttpResponse;
    try {
      res = await next(req);
    } finally {
      budget.settled(key);
    }
    budget.learn(key, res);
    return res;
  };
  return (next) => (req) => {
    const key = `${req.url.origin} ${req.credentialKey ?? ''}`;
    // Fast path without an extra await when nothing blocks and a token is free (bench/http-overhead).
    if (budget.tryAcquire(req, key)) return send(next, req, key);
    return budget.acquire(req, key).then(() => send(next, req, key));
  };
}
