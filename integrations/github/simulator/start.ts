/**
 * `startSimulator` for the GitHub integration: the seeded dataset served on loopback with fault
 * injection in front of every API route, and the `--set` settings that point `inlet sync github`
 * at it with a valid token.
 */
import { systemClock } from '../../../src/http/clock.js';
import { faultInjector } from '../../../src/testing/faults.js';
import { serve } from '../../../src/testing/serve.js';
import type { RunningSimulator, SimulatedChange, SimulatorOptions } from '../../registry.js';
import { githubApp } from './app.js';
import { githubChanges } from './changes.js';
import { type GithubData, generateData } from './data.js';
import type { HookAccess, HookState } from './hooks.js';
import { githubRateLimitAnswer, primaryLimit, type RateWindow } from './rate-limit.js';

/** The token the simulator accepts (GitHub's classic personal access token format). */
export const SIMULATOR_TOKEN = 'ghp_inletSimulator0000000000000000000000';

export interface GithubSimulator extends RunningSimulator {
  /** The upstream dataset; edit it between two syncs to change what the API returns. */
  data: GithubData;
  /** Every request as `path?query`, in arrival order. */
  requests: string[];
  /** Every request the primary limit rejected (403/429), as `path?query`. */
  rateLimited: string[];
  /** Organization webhooks created through the API, and `METHOD /path` of each hook request. */
  hooks: HookState;
  /** A pull request edited, a repository renamed, edited or archived, in turn, with GitHub's delivery. */
  change(options?: { secret?: string }): SimulatedChange;
  /** Start every credential's primary-limit window afresh, as when the hour rolls over (bench/workers between runs). */
  resetRateLimits(): void;
}

/** The GitHub simulator's own knobs beside the common ones (bench/github-vs-peers uses them). */
export interface GithubSimulatorOptions extends SimulatorOptions {
  /** A fixed delay before every response, ms. @default 0 */
  latencyMs?: number;
  /** A short primary-limit window (e.g. 250 requests per 2,000 ms) instead of GitHub's hour. */
  rateWindow?: RateWindow;
  /** @default 403 */
  rateLimitStatus?: 403 | 429;
  /** What the token may do with org hooks: `member` or `no-scope` refuse them (404). @default 'admin' */
  hookAccess?: HookAccess;
  /**
   * The dataset will not change while the simulator serves: each list page's JSON is built once and
   * served again as text, so a benchmark measures the client, not the simulator (bench/workers). Edits
   * to `data` are then not seen by lists already served.
   * @default false
   */
  frozen?: boolean;
}

/**
 * Start the GitHub simulator. Size knobs: `orgs` (3), `reposPerOrg` (13), `prsPerRepo` (4) and
 * `maxPerPage` (100, GitHub's `per_page` cap; lower it to see Link pagination with little data); beyond
 * them `latencyMs` and `rateWindow` slow it down like a distant, busy github.com.
 * @example const sim = await startSimulator({ seed: 7, size: { orgs: 2 } }); // sim.settings → --set …
 */
export async function startSimulator(options: GithubSimulatorOptions = {}): Promise<GithubSimulator> {
  const size = options.size ?? {};
  const data = generateData(options.seed ?? 1, size);
  const clock = options.clock ?? systemClock;
  const requests: string[] = [];
  const rateLimited: string[] = [];
  const hooks: HookState = { hooks: [], access: options.hookAccess ?? 'admin', calls: [] };
  const limits = primaryLimit(clock, options.rateWindow);
  const app = githubApp({
    data,
    limits,
    token: SIMULATOR_TOKEN,
    clock,
    maxPerPage: size.maxPerPage,
    requests,
    latencyMs: options.latencyMs,
    frozen: options.frozen,
    rateWindow: options.rateWindow,
    rateLimitStatus: options.rateLimitStatus,
    onRateLimited: (path) => rateLimited.push(path),
    hooks,
    before:
      options.faults &&
      faultInjector(options.faults, { clock, rateLimitAnswer: githubRateLimitAnswer }).middleware,
  });
  const served = await serve(app, { port: options.port });
  return {
    ...served,
    data,
    requests,
    rateLimited,
    hooks,
    change: githubChanges({ data, api: served.url, hooks, clock }),
    resetRateLimits: () => limits.reset(),
    settings: [
      `baseUrl=${served.url}`,
      `token=${SIMULATOR_TOKEN}`,
      `orgs=${data.orgs.map((o) => o.login).join(',')}`,
    ],
  };
}
