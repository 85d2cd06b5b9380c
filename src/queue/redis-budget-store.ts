/**
 * A BudgetStore in Redis, so that several processes (workers on several machines) spend one server
 * quota: what any of them learns from `remaining`/`reset` or a rate-limit answer holds for all, and
 * requests in flight anywhere count against what the server reported ("one budget across workers",
 * issue 11). Each operation is one Lua script (redis-budget-scripts.ts), atomic in Redis.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { ConfigError, NetworkError } from '../errors/errors.js';
import type {
  BudgetDecision,
  BudgetKey,
  BudgetReport,
  BudgetRules,
  BudgetStore,
  BudgetWaitCause,
} from '../http/budget-store.js';
import { ACQUIRE, BLOCK, SETTLE } from './redis-budget-scripts.js';
import { type BudgetKeys as Keys, settleBatches } from './redis-budget-settles.js';

export interface RedisBudgetStoreOptions {
  /** Prefix of every key the store writes. @default 'inlet:budget:' */
  prefix?: string;
  /**
   * How long a granted request counts as in flight when it is never settled, ms: a process that dies
   * holding reservations gives them back after this. Keep it above the client's timeout (30 s), or a
   * slow request stops counting while it is still in flight.
   * @default 120_000
   */
  reservationTtl?: number;
  /** How long an idle budget's keys stay in Redis, ms; never shorter than the state they hold (a reset). @default 3_600_000 */
  idleTtl?: number;
  /**
   * Called when a settle fails (Redis unreachable): the response it reports on is delivered anyway.
   * An acquire that fails rejects the request with NetworkError (E_NETWORK) instead.
   * @default ignore
   */
  onError?: (error: NetworkError) => void;
  /**
   * Reservations one acquire may take from Redis at once while the server's window is known and ample
   * (never more than its remaining / 32): the next requests of this process then go without a round
   * trip. A rejection another process learned holds here from the next settle's reply on. 1: every
   * request asks Redis.
   * @default 1
   */
  lease?: number;
  /** How long reservations leased but not yet used stay this process's, ms; then they are given back. @default 1000 */
  leaseTtl?: number;
}

/** The store and the connection it may own. */
export interface RedisBudgetStore extends BudgetStore {
  /** A leased reservation is granted at once (no promise); anything else asks Redis. */
  acquire(key: BudgetKey, rules: BudgetRules, now: number): BudgetDecision | Promise<BudgetDecision>;
  settle(key: BudgetKey, report: BudgetReport, rules: BudgetRules, now: number): Promise<void>;
  /** Gives back leased reservations, then closes the connection the store opened from a URL (a Redis instance passed in stays open). */
  close(): Promise<void>;
}

/** 128 bits of SHA-256: keys name a budget without holding the origin or credential they stand for. */
const digest = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 32);

interface Script {
  lua: string;
  sha: string;
}
const script = (lua: string): Script => ({ lua, sha: createHash('sha1').update(lua).digest('hex') });
const SCRIPTS = { acquire: script(ACQUIRE), settle: script(SETTLE), block: script(BLOCK) };

const CAUSES = new Set<string>(['quota', 'blocked', 'declared', 'spread']);
const GO: BudgetDecision = { go: true };
const NO_DECLARED = ['', ''];
// A lease takes at most 1/32 of the window's remaining: other processes are not starved of it, and
// little is held unused when the window ends.
const LEASE_SHARE = 32;

/** Reservations leased from Redis that this process has not used yet. */
interface Pool {
  keys: Keys;
  ids: string[];
  /** Unused past this (the store's clock), they are given back. */
  until: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new ConfigError(`redis budget store: ${name} must be a positive number of ms, got ${value}`);
  }
  return value;
}

/**
 * A rate budget shared through Redis. Times are the `now` each call is given (the client's clock), not
 * Redis's: processes sharing a store need synced clocks (NTP), tests one VirtualClock. Keys carry a
 * hash tag per origin, so one script's keys share a Redis Cluster slot.
 * @example
 * const budgetStore = redisBudgetStore('redis://127.0.0.1:6379');
 * await syncIntegration('integrations/github', { connect: { budgetStore } });
 * await budgetStore.close();
 */
export function redisBudgetStore(
  redis: Redis | string,
  options: RedisBudgetStoreOptions = {},
): RedisBudgetStore {
  const prefix = options.prefix ?? 'inlet:budget:';
  const reservationTtl = positive('reservationTtl', options.reservationTtl, 120_000);
  const idleTtl = positive('idleTtl', options.idleTtl, 3_600_000);
  const onError = options.onError;
  const lease = options.lease ?? 1;
  if (!Number.isInteger(lease) || lease < 1) {
    throw new ConfigError(`redis budget store: lease must be a whole number >= 1, got ${options.lease}`);
  }
  const leaseTtl = positive('leaseTtl', options.leaseTtl, 1000);
  const owned = typeof redis === 'string';
  // Auto-pipelining: the acquires and settles of one tick leave in one write (fewer syscalls and wake-ups).
  const client = owned
    ? new Redis(redis, { maxRetriesPerRequest: 5, lazyConnect: true, enableAutoPipelining: true })
    : redis;
  // A connection we own reports its failures through the commands that fail (NetworkError), not as an
  // unhandled 'error' event printed by ioredis.
  if (owned) client.on('error', () => undefined);
  // This process's reservations per budget, oldest first: settle gives back one of them.
  const held = new Map<string, string[]>();
  // Leased reservations not yet used, per budget; given back when they expire (by the store's clock when
  // next asked, or by a timer of leaseTtl real ms for a budget no longer used).
  const pools = new Map<string, Pool>();
  // One lease asked of Redis at a time per budget: other acquires wait for it and take from the pool.
  const refills = new Map<string, Promise<unknown>>();
  const instance = randomBytes(8).toString('hex');
  let sequence = 0;
  const keyCache = new Map<string, Keys>();
  // The latest time the store was given: leased reservations given back by a timer are settled at it.
  let lastNow = 0;

  const keysOf = (origin: string, credential = ''): Keys => {
    const id = `${origin} ${credential}`;
    let keys = keyCache.get(id);
    if (!keys) {
      const base = `${prefix}{${digest(origin)}}`;
      const state = `${base}:${digest(credential)}`;
      keys = { block: `${base}:block`, state, flight: `${state}:flight` };
      // A few budgets per process; the bound only guards against a stream of one-off origins.
      if (keyCache.size >= 1000) keyCache.clear();
      keyCache.set(id, keys);
    }
    return keys;
  };

  const run = async (name: keyof typeof SCRIPTS, keys: string[], args: string[]): Promise<unknown> => {
    const { lua, sha } = SCRIPTS[name];
    try {
      try {
        return await client.evalsha(sha, keys.length, ...keys, ...args);
      } catch (error) {
        // EVALSHA first; a server that has not seen the script yet (or was restarted) gets it once.
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return await client.eval(lua, keys.length, ...keys, ...args);
      }
    } catch (error) {
      // No URL in the message: a Redis URL may carry a password.
      const reason = error instanceof Error ? error.message : String(error);
      throw new NetworkError(`rate budget store: Redis ${name} failed: ${reason}`, { cause: error });
    }
  };

  const declared = (rules: BudgetRules) =>
    rules.declared ? [String(rules.declared.requests), String(rules.declared.per)] : NO_DECLARED;

  const hold = (keys: Keys, id: string) => {
    const mine = held.get(keys.state) ?? [];
    mine.push(id);
    held.set(keys.state, mine);
  };

  const settles = settleBatches(
    (name, keys, args) => run(name, keys, args),
    idleTtl,
    onError,
    // Some process learned of a rejection: what this one leased for the origin is not spent.
    (keys) => endLeases(keys.block),
  );

  /** Gives back every lease of the origin whose block key is `block`. */
  function endLeases(block: string) {
    for (const [state, pool] of pools) if (pool.keys.block === block) giveBack(state, pool);
  }

  function giveBack(state: string, pool: Pool) {
    pools.delete(state);
    clearTimeout(pool.timer);
    for (const id of pool.ids) void settles.add(pool.keys, id, {}, NO_DECLARED, lastNow);
    pool.ids = [];
  }

  const ask = async (keys: Keys, rules: BudgetRules, now: number): Promise<BudgetDecision> => {
    sequence += 1;
    const id = `${instance}:${sequence}`;
    const args = [String(now), id, String(reservationTtl), String(idleTtl), ...declared(rules)];
    args.push(rules.strict ? '1' : '0', rules.spread ? '1' : '0', String(lease), String(LEASE_SHARE));
    const reply = (await run('acquire', [keys.block, keys.state, keys.flight], args)) as unknown[];
    if (reply[0] === 1) {
      hold(keys, id);
      const n = Number(reply[1] ?? 1);
      if (n > 1) {
        const ids = Array.from({ length: n - 1 }, (_, j) => `${id}+${j + 1}`);
        const pool: Pool = { keys, ids, until: now + leaseTtl, timer: undefined };
        const old = pools.get(keys.state);
        if (old) giveBack(keys.state, old);
        pool.timer = setTimeout(() => pools.get(keys.state) === pool && giveBack(keys.state, pool), leaseTtl);
        pool.timer.unref?.();
        pools.set(keys.state, pool);
      }
      return GO;
    }
    const cause = String(reply[2]);
    if (!CAUSES.has(cause)) throw new NetworkError(`rate budget store: unexpected Redis reply ${cause}`);
    const reason = String(reply[3] ?? '');
    return {
      go: false,
      until: Number(reply[1]),
      cause: cause as BudgetWaitCause,
      ...(reason && { reason }),
    };
  };

  /** A reservation from the pool, if one is left and fresh. */
  const fromPool = (keys: Keys, now: number): boolean => {
    const pool = pools.get(keys.state);
    if (!pool) return false;
    if (now >= pool.until) {
      giveBack(keys.state, pool);
      return false;
    }
    const id = pool.ids.pop();
    if (pool.ids.length === 0) {
      pools.delete(keys.state);
      clearTimeout(pool.timer);
    }
    if (id === undefined) return false;
    hold(keys, id);
    return true;
  };

  const acquire = (
    key: BudgetKey,
    rules: BudgetRules,
    now: number,
  ): BudgetDecision | Promise<BudgetDecision> => {
    lastNow = Math.max(lastNow, now);
    const keys = keysOf(key.origin, key.credential);
    if (fromPool(keys, now)) return GO;
    const pending = lease > 1 ? refills.get(keys.state) : undefined;
    // Another acquire is leasing for this budget: its extra reservations may serve this one too.
    if (pending) return pending.then(() => (fromPool(keys, now) ? GO : acquire(key, rules, now)));
    const asked = ask(keys, rules, now);
    if (lease === 1) return asked;
    const done = asked.catch(() => undefined);
    refills.set(keys.state, done);
    void done.then(() => refills.get(keys.state) === done && refills.delete(keys.state));
    return asked;
  };

  return {
    acquire,

    async settle(key, report, rules, now) {
      lastNow = Math.max(lastNow, now);
      const keys = keysOf(key.origin, key.credential);
      const mine = held.get(keys.state);
      const id = mine?.shift() ?? '';
      if (mine?.length === 0) held.delete(keys.state);
      const blocked = report.block && keysOf(report.block.origin).block;
      // Our own rejection: nothing leased for that origin is spent from now on.
      if (blocked) endLeases(blocked);
      const other = blocked && blocked !== keys.block ? blocked : undefined;
      await settles.add(keys, id, report, declared(rules), now, other);
    },

    async close() {
      for (const [state, pool] of pools) giveBack(state, pool);
      await settles.flush();
      if (owned) await client.quit().catch(() => client.disconnect());
    },
  };
}
