import type { MiddlewareHandler } from 'hono';
import { systemClock } from '../../../src/http/clock.js';
import { type FaultKind, type FaultSpec, faultInjector } from '../../../src/testing/faults.js';
import { serve } from '../../../src/testing/serve.js';
import type { RunningSimulator, SimulatorOptions } from '../../registry.js';
import { rapidproApp, throttledBody } from './app.js';
import { makeWorkspace, type Workspace } from './data.js';

/** The administrator token the simulator accepts (RapidPro tokens are 40 hex digits). */
export const SIMULATOR_TOKEN = '5f7b9e3c1a2d4f6e8b0c9d7a5e3f1b2c4d6e8f0a';
/** A valid token whose user lacks permission for the list endpoints (403). */
export const VIEWER_TOKEN = '0a1b2c3d4e5f60718293a4b5c6d7e8f901234567';

export interface RapidproSimulator extends RunningSimulator {
  /** The generated data, to compute expected results from. */
  workspace: Workspace;
  /** Path and query of every API request, in order. */
  hits: string[];
  /** How many 429 responses were sent. */
  throttled(): number;
}

/**
 * Start the RapidPro simulator on loopback. Size knobs: `flows`, `groups`, `contacts`, plus `pageSize`
 * (default 250) and `requestsPerHour` (default 2500).
 * @example const sim = await startRapidproSimulator({ size: { contacts: 40 } }); await sim.close();
 */
export async function startRapidproSimulator(options: SimulatorOptions = {}): Promise<RapidproSimulator> {
  const clock = options.clock ?? systemClock;
  const size = options.size ?? {};
  const workspace = makeWorkspace(options.seed ?? 1, size);
  const { app, hits, throttled } = rapidproApp({
    workspace,
    token: SIMULATOR_TOKEN,
    viewerToken: VIEWER_TOKEN,
    clock,
    pageSize: size.pageSize,
    requestsPerHour: size.requestsPerHour,
    before: options.faults ? rapidproFaults(options.faults, clock) : undefined,
  });
  const served = await serve(app, { port: options.port });
  return {
    ...served,
    settings: [`baseUrl=${served.url}`, `token=${SIMULATOR_TOKEN}`],
    workspace,
    hits,
    throttled,
  };
}

/** RapidPro has no 403 rate limit: GitHub's 403 kinds become its 429. */
const RAPIDPRO_KIND: Partial<Record<FaultKind, FaultKind>> = { '403-primary': '429', '403-secondary': '429' };

/**
 * The shared fault injector with RapidPro's throttle shape: a 429 carries Retry-After and DRF's
 * "Request was throttled" body instead of GitHub's.
 */
function rapidproFaults(spec: FaultSpec, clock: typeof systemClock): MiddlewareHandler {
  const kinds = spec.kinds?.map((k) => RAPIDPRO_KIND[k] ?? k);
  const inner = faultInjector({ ...spec, kinds }, { clock }).middleware;
  return async (c, next) => {
    const res = await inner(c, next);
    if (res?.status !== 429) return res;
    const seconds = Number(res.headers.get('retry-after') ?? '1');
    return c.json(throttledBody(seconds), 429, { 'retry-after': String(seconds) });
  };
}
