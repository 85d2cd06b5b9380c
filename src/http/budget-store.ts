/**
 * Where the rate budget keeps its state, behind two atomic operations keyed by (origin, credential):
 * "may one request go now, else until when must it wait" and "a request ended; the server reported X".
 * In memory by default; a store shared between workers (Redis with one Lua script per operation)
 * implements the same interface, so several processes spend one server quota without overshooting.
 */

/** One budget: the API origin and an opaque fingerprint of the credential (never the secret). */
export interface BudgetKey {
  origin: string;
  credential: string;
}

/** A client's budget rules, passed with every call so a shared store holds state only. */
export interface BudgetRules {
  /** The declared rate: at most `requests` per `per` ms, a GCRA bucket that may burst `requests`. */
  declared?: { requests: number; per: number };
  /** Keep the declared rate as a ceiling while the server reports its quota. */
  strict?: boolean;
  /** Pace the server's remaining quota evenly until its reset instead of spending it at once. */
  spread?: boolean;
}

/** Why a request must wait: the server's quota is spent, a rejection blocks the origin, or pacing. */
export type BudgetWaitCause = 'quota' | 'blocked' | 'declared' | 'spread';

/** `go: true` means the request was counted in flight; else nothing was taken: ask again at `until`. */
export type BudgetDecision =
  | { go: true }
  | { go: false; until: number; cause: BudgetWaitCause; reason?: string };

/** What one response told us; all fields optional (a network error reports nothing). */
export interface BudgetReport {
  /** The server's remaining quota for this key, as it counted when it answered. */
  remaining?: number;
  /** Epoch ms the server's window resets; undefined when it did not say or it was unparseable. */
  resetAt?: number;
  /** A rate-limit rejection with a known wait: every request to `origin` waits until `until`. */
  block?: { origin: string; until: number; reason: string };
}

/**
 * The rate budget's state. Each call is atomic: an implementation shared between processes must do
 * the read-decide-write of one call in one step (a Redis Lua script), never across two calls.
 * Results may be plain values (in memory, no await on the hot path) or promises (a network store).
 * @example const budget = rateBudgetPolicy({ clock, store: memoryBudgetStore() });
 */
export interface BudgetStore {
  /** Decide for one request to `key` at `now` (epoch ms); when it may go, count it in flight. */
  acquire(key: BudgetKey, rules: BudgetRules, now: number): BudgetDecision | Promise<BudgetDecision>;
  /** One request counted by `acquire` ended (answered or failed); apply what the server reported. */
  settle(key: BudgetKey, report: BudgetReport, rules: BudgetRules, now: number): void | Promise<void>;
}

/** The server's window as we believe it: requests we may still start, and when it resets. */
interface Window {
  remaining: number;
  resetAt: number;
}

interface KeyState {
  inFlight: number;
  /** GCRA theoretical arrival time of the declared rate: a request may go at `tat - (per - interval)`. */
  tat?: number;
  window?: Window;
  /** Next start allowed by `spread` pacing. */
  nextAt?: number;
}

// Resets given as seconds-from-now move by up to a second between two responses of one window
// (rounding); a reset later than that is the server's next window.
const SAME_WINDOW_MS = 1000;
const GO: BudgetDecision = { go: true };

/**
 * The default store: one process's budgets in memory. Share one instance between clients to make them
 * spend one budget.
 * @example createClient({ baseUrl, budgetStore: memoryBudgetStore() })
 */
export function memoryBudgetStore(): BudgetStore {
  const keys = new Map<string, KeyState>();
  const originBlocks = new Map<string, { until: number; reason: string }>();
  const stateOf = (key: BudgetKey) => {
    const id = `${key.origin} ${key.credential}`;
    const state = keys.get(id) ?? { inFlight: 0 };
    keys.set(id, state);
    return state;
  };
  /** The window in force, dropping one whose reset has passed: the new one is what the server reports next. */
  const windowOf = (state: KeyState, now: number) => {
    if (state.window && now >= state.window.resetAt) {
      state.window = undefined;
      state.nextAt = undefined;
    }
    return state.window;
  };

  return {
    acquire(key, rules, now) {
      const block = originBlocks.get(key.origin);
      if (block && block.until > now)
        return { go: false, until: block.until, cause: 'blocked', reason: block.reason };
      if (block) originBlocks.delete(key.origin);
      const state = stateOf(key);
      const window = windowOf(state, now);
      if (window && window.remaining <= 0) return { go: false, until: window.resetAt, cause: 'quota' };
      if (window && rules.spread && state.nextAt !== undefined && state.nextAt > now) {
        return { go: false, until: state.nextAt, cause: 'spread' };
      }
      // The declared rate is the prior while the server says nothing, and a ceiling only when strict.
      const declared = rules.declared && (!window || rules.strict) ? rules.declared : undefined;
      const interval = declared ? declared.per / declared.requests : 0;
      if (declared) {
        const readyAt = (state.tat ?? now) - (declared.per - interval);
        if (readyAt > now) return { go: false, until: readyAt, cause: 'declared' };
        state.tat = Math.max(state.tat ?? now, now) + interval;
      }
      if (window) {
        if (rules.spread) state.nextAt = now + (window.resetAt - now) / window.remaining;
        window.remaining -= 1;
      }
      state.inFlight += 1;
      return GO;
    },

    settle(key, report, rules, now) {
      const state = stateOf(key);
      state.inFlight = Math.max(0, state.inFlight - 1);
      if (report.block) {
        const current = originBlocks.get(report.block.origin);
        if (!current || report.block.until > current.until) {
          originBlocks.set(report.block.origin, { until: report.block.until, reason: report.block.reason });
        }
      }
      const { remaining, resetAt } = report;
      if (remaining === undefined) return;
      // Requests still in flight may not be counted in `remaining` yet: assume they are not.
      const available = Math.max(0, remaining - state.inFlight);
      if (resetAt === undefined) {
        // No reset: we cannot know when the quota refills, so it can only tighten the declared rate.
        const declared = rules.declared;
        if (declared) {
          const tat = now + declared.per - available * (declared.per / declared.requests);
          if (tat > (state.tat ?? now)) state.tat = tat;
        }
        return;
      }
      // A reset already past describes an ended window (a late answer): nothing to learn.
      if (resetAt <= now) return;
      const window = windowOf(state, now);
      if (!window || resetAt > window.resetAt + SAME_WINDOW_MS) {
        state.window = { remaining: available, resetAt };
        state.nextAt = undefined;
      } else if (resetAt >= window.resetAt - SAME_WINDOW_MS) {
        // Answers arrive out of order: within one window the lowest count is the true one.
        window.remaining = Math.min(window.remaining, available);
        window.resetAt = Math.max(window.resetAt, resetAt);
      }
    },
  };
}
