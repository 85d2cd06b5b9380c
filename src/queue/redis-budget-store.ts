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
}

/** The store and the connection it may own. */
export interface RedisBudgetStore extends BudgetStore {
  acquire(key: BudgetKey, rules: BudgetRules, now: number): Promise<BudgetDecision>;
  settle(key: BudgetKey, report: BudgetReport, rules: BudgetRules, now: number): Promise<void>;
  /** Closes the connection the store opened from a URL; a Redis instance passed in stays open. */
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
  const instance = randomBytes(8).toString('hex');
  let sequence = 0;

  const keysOf = (origin: string, credential?: string) => {
    const base = `${prefix}{${digest(origin)}}`;
    const state = `${base}:${digest(credential ?? '')}`;
    return { block: `${base}:block`, state, flight: `${state}:flight` };
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
    rules.declared ? [String(rules.declared.requests), String(rules.declared.per)] : ['', ''];
  const optional = (n: number | undefined) => (n === undefined ? '' : String(n));

  return {
    async acquire(key, rules, now) {
      const keys = keysOf(key.origin, key.credential);
      sequence += 1;
      const id = `${instance}:${sequence}`;
      const args = [String(now), id, String(reservationTtl), String(idleTtl), ...declared(rules)];
      args.push(rules.strict ? '1' : '0', rules.spread ? '1' : '0');
      const reply = (await run('acquire', [keys.block, keys.state, keys.flight], args)) as unknown[];
      if (reply[0] === 1) {
        const mine = held.get(keys.state) ?? [];
        mine.push(id);
        held.set(keys.state, mine);
        return { go: true };
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
    },

    async settle(key, report, rules, now) {
      const keys = keysOf(key.origin, key.credential);
      const mine = held.get(keys.state);
      const id = mine?.shift() ?? '';
      if (mine?.length === 0) held.delete(keys.state);
      let block = report.block;
      try {
        if (block && block.origin !== key.origin) {
          const other = keysOf(block.origin).block;
          await run('block', [other], [String(now), String(block.until), block.reason, String(idleTtl)]);
          block = undefined;
        }
        const args = [
          String(now),
          id,
          '',
          String(idleTtl),
          optional(report.remaining),
          optional(report.resetAt),
        ];
        args.push(optional(block?.until), block?.reason ?? '', ...declared(rules));
        await run('settle', [keys.block, keys.state, keys.flight], args);
      } catch (error) {
        // The response already arrived: failing it over bookkeeping would make the retry policy send it
        // again. The reservation lapses after reservationTtl; the next acquire meets the outage.
        onError?.(error as NetworkError);
      }
    },

    async close() {
      if (owned) await client.quit().catch(() => client.disconnect());
    },
  };
}
