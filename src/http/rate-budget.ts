import { ConfigError, RateLimitError } from '../errors/errors.js';
import {
  type BudgetDecision,
  type BudgetKey,
  type BudgetReport,
  type BudgetRules,
  type BudgetStore,
  memoryBudgetStore,
} from './budget-store.js';
import type { Clock } from './clock.js';
import { formatDuration } from './duration.js';
import { DEFAULT_MAX_WAIT, readBudgetHeaders, readRateLimitSignal } from './rate-limit-signal.js';
import type { EventSink, Handler, HttpRequest, HttpResponse, Policy } from './types.js';

export interface RateBudgetOptions {
  /** Declared budget: at most `requests` per `per` ms per (origin, credential); omit both for server-only. */
  requests?: number;
  /** Window of the declared budget, ms. */
  per?: number;
  /** Keep the declared budget as a ceiling while the server reports its quota. @default false */
  strict?: boolean;
  /** Pace the server's remaining quota evenly until its reset, for APIs that punish bursts. @default false */
  spread?: boolean;
  /**
   * Header names the server reports its quota in.
   * @default { remaining: 'x-ratelimit-remaining', reset: 'x-ratelimit-reset' }
   */
  headers?: { remaining: string; reset: string };
  /**
   * Longest wait for one request (quota spent, a rate-limit response, pacing), ms; a request facing a
   * longer one fails at once with RateLimitError instead of waiting.
   * @default 900_000 (15 min, as the retry policy)
   */
  maxWait?: number;
  /** Where the budgets live. @default memoryBudgetStore() */
  store?: BudgetStore;
  clock: Clock;
  onEvent?: EventSink;
}

const DEFAULT_HEADERS = { remaining: 'x-ratelimit-remaining', reset: 'x-ratelimit-reset' };

/** The wait in words for errors, completed by a duration. */
const WAITING: Record<Exclude<BudgetDecision, { go: true }>['cause'], string> = {
  quota: 'the server resets in',
  blocked: 'the server asks to wait',
  declared: 'the next token is free in',
  spread: 'the next paced start is in',
};

function checkedRules(options: RateBudgetOptions): BudgetRules {
  const { requests, per, strict = false, spread = false } = options;
  if (requests === undefined && per === undefined) {
    if (strict) throw new ConfigError('rate budget: strict needs a declared requests and per');
    return { spread };
  }
  if (requests === undefined || per === undefined || !(requests >= 1) || !(per > 0)) {
    throw new ConfigError(
      `rate budget: needs both requests (>= 1) and per (> 0 ms), got requests=${requests} per=${per}`,
    );
  }
  return { declared: { requests, per }, strict, spread };
}

/** Calls `then` on a plain value at once, and on a promise when it settles: no await on the in-memory path. */
function after<T, R>(value: T | Promise<T>, then: (v: T) => R | Promise<R>): R | Promise<R> {
  return value instanceof Promise ? value.then(then) : then(value);
}

/**
 * Spaces requests per (origin, credential) by what the server reports. When a response carries the
 * quota (`remaining` and `reset`), that quota minus the requests in flight is the budget until the reset,
 * and after the reset the budget is what the server then reports. The declared `requests`/`per` is a
 * prior, used only while the server says nothing (and as a ceiling with `strict`); `spread` paces the
 * quota evenly to the reset. After a rate-limit response with a known wait every request to that origin
 * waits it out. A wait longer than `maxWait` fails fast with RateLimitError (E_RATE_LIMIT). It never
 * retries; it only waits before sending. Waiters for one key go in arrival order. Place it after the auth
 * policy (which sets `credentialKey`) and inside the retry policy, so each attempt is counted.
 * @example compose(retryPolicy(r), authPolicy(a), rateBudgetPolicy({ requests: 5000, per: 3_600_000, clock }))(transport)
 */
export function rateBudgetPolicy(options: RateBudgetOptions): Policy {
  const { clock, onEvent } = options;
  const maxWait = options.maxWait ?? DEFAULT_MAX_WAIT;
  if (!(maxWait >= 0)) throw new ConfigError(`rate budget: maxWait must be >= 0 ms, got ${maxWait}`);
  const rules = checkedRules(options);
  const headers = options.headers ?? DEFAULT_HEADERS;
  const store = options.store ?? memoryBudgetStore();
  const quotaReason = `${headers.remaining}: 0`;
  const reasons: Record<string, string> = {
    quota: quotaReason,
    declared: rules.declared ? `rate budget ${rules.declared.requests}/${rules.declared.per}ms` : '',
    spread: 'spreading the quota to the reset',
  };
  // Per key, the waiters in arrival order: only the oldest asks the store, the others queue behind it.
  const queues = new Map<string, { tail: Promise<void>; waiting: number }>();

  const report = (res: HttpResponse): BudgetReport => {
    const now = clock.now();
    const { remaining, resetAt } = readBudgetHeaders(res, headers, now);
    const signal = readRateLimitSignal(res, now);
    // One rejection holds back every request to the origin until the reset: no thundering herd. An
    // unknown wait blocks nothing; the retry policy's backoff covers that request alone. The origin
    // that answered is the last hop's, should the request have been redirected below us.
    const block =
      signal?.waitMs === undefined
        ? undefined
        : { origin: res.request.url.origin, until: now + signal.waitMs, reason: signal.reason };
    return { remaining, resetAt, block };
  };

  const send = (next: Handler, req: HttpRequest, key: BudgetKey): Promise<HttpResponse> =>
    next(req).then(
      (res) => after(store.settle(key, report(res), rules, clock.now()), () => res),
      (error: unknown) =>
        after(store.settle(key, {}, rules, clock.now()), () => {
          throw error;
        }),
    );

  const wait = async (req: HttpRequest, decision: Exclude<BudgetDecision, { go: true }>) => {
    const exact = decision.until - clock.now();
    // A shared store answers after a round trip: a wait that ended meanwhile is no wait (and no
    // event: a negative `waitMs` threw in prom-client's counter and failed the job).
    if (exact <= 0) return;
    const waitMs = Math.ceil(exact);
    const reason = decision.reason ?? reasons[decision.cause] ?? decision.cause;
    if (waitMs > maxWait) {
      // No URL: it may carry secrets; the client adds redacted context.
      throw new RateLimitError(
        `rate budget exhausted: ${WAITING[decision.cause]} ${formatDuration(waitMs)} (${reason}), longer than maxWait ${formatDuration(maxWait)}`,
        { method: req.method, waitMs },
      );
    }
    onEvent?.({ type: 'rate-limit-wait', origin: req.url.origin, waitMs, reason });
    await clock.sleep(exact, req.signal);
  };

  /** The oldest waiter's turn: ask, wait what the store says, ask again until it may go. */
  const turn = async (req: HttpRequest, key: BudgetKey, first?: Promise<BudgetDecision>) => {
    for (let asked = first; ; asked = undefined) {
      req.signal?.throwIfAborted();
      const decision = await (asked ?? store.acquire(key, rules, clock.now()));
      if (decision.go) {
        if (!req.signal?.aborted) return;
        // Cancelled while a shared store answered: the request will not go, so it is not in flight.
        await store.settle(key, {}, rules, clock.now());
        req.signal.throwIfAborted();
      }
      if (!decision.go) await wait(req, decision);
    }
  };

  const queued = (
    id: string,
    req: HttpRequest,
    key: BudgetKey,
    first?: Promise<BudgetDecision>,
  ): Promise<void> => {
    const entry = queues.get(id) ?? { tail: Promise.resolve(), waiting: 0 };
    queues.set(id, entry);
    entry.waiting += 1;
    const mine = entry.tail.then(() => turn(req, key, first));
    entry.tail = mine.catch(() => undefined);
    const leave = () => {
      entry.waiting -= 1;
      if (entry.waiting === 0 && queues.get(id) === entry) queues.delete(id);
    };
    mine.then(leave, leave);
    return abortable(mine, req.signal);
  };

  return (next) => (req) => {
    const key: BudgetKey = { origin: req.url.origin, credential: req.credentialKey ?? '' };
    const id = `${key.origin} ${key.credential}`;
    let first: Promise<BudgetDecision> | undefined;
    if (!queues.has(id)) {
      const decision = store.acquire(key, rules, clock.now());
      // Fast path without an extra await when the store answers at once and says go (bench/http-overhead).
      if (!(decision instanceof Promise) && decision.go) return send(next, req, key);
      // A shared store's answer may already have counted this request: the turn must use it.
      if (decision instanceof Promise) first = decision;
    }
    return queued(id, req, key, first).then(() => send(next, req, key));
  };
}

/** `pending`, or the signal's reason as soon as it aborts: a request queued behind others leaves at once. */
function abortable(pending: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return pending;
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
