import { Hono } from 'hono';
import { ConfigError } from '../../../src/errors/errors.js';
import { systemClock } from '../../../src/http/clock.js';
import { faultInjector } from '../../../src/testing/faults.js';
import { serve } from '../../../src/testing/serve.js';
import type { RunningSimulator, SimulatedChange, SimulatorOptions } from '../../registry.js';
import { octopusRoutes } from './app.js';
import { octopusChanges } from './changes.js';
import { DEFAULT_SIZE, generateData, type OctopusData, type OctopusSize } from './data.js';
import { octopusFaultShape } from './octopus-errors.js';
import type { SubscriptionAccess, SubscriptionState } from './subscriptions.js';

/** The simulator's API key with full read access (Octopus keys look like `API-` + 26 characters). */
export const SIMULATOR_API_KEY = 'API-INLETSIMULATOR0000000001';
/** A valid key whose user lacks permissions: every data request answers 403. */
export const FORBIDDEN_API_KEY = 'API-INLETNOPERMISSION000002';

export interface OctopusSimulator extends RunningSimulator {
  /** The generated upstream; routes read it per request. */
  data: OctopusData;
  /** Path and query of every request that passed auth and faults, in order. */
  hits: string[];
  /** Subscriptions created through the API, and `METHOD /path` of each subscription request. */
  subscriptions: SubscriptionState;
  /** A deployment queued, a release modified, in turn, with the subscription delivery. */
  change(options?: { secret?: string }): SimulatedChange;
}

export interface OctopusSimulatorOptions extends SimulatorOptions {
  /** `view`: POST subscriptions answers 403 (SubscriptionEdit); `none`: GET too. @default 'edit' */
  subscriptionAccess?: SubscriptionAccess;
}

/**
 * Start the Octopus simulator on loopback. Size knobs: `spaces`, `projectsPerSpace`,
 * `releasesPerProject`, `deploymentsPerRelease`, `machinesPerSpace` (see OctopusSize).
 * @example const sim = await startOctopusSimulator({ size: { spaces: 1 } }); await sim.close();
 */
export async function startOctopusSimulator(
  options: OctopusSimulatorOptions = {},
): Promise<OctopusSimulator> {
  const size: OctopusSize = { ...DEFAULT_SIZE, ...pickSize(options.size) };
  const data = generateData(options.seed ?? 1, size);
  const hits: string[] = [];
  const subscriptions: SubscriptionState = {
    subscriptions: [],
    access: options.subscriptionAccess ?? 'edit',
    calls: [],
  };
  const app = new Hono();
  if (options.faults) {
    app.use('/api/*', octopusFaultShape(Math.ceil(options.faults.retryAfterSeconds ?? 1)));
    app.use('/api/*', faultInjector(options.faults, { clock: options.clock }).middleware);
  }
  app.route(
    '/',
    octopusRoutes({ data, apiKey: SIMULATOR_API_KEY, forbiddenKey: FORBIDDEN_API_KEY, hits, subscriptions }),
  );
  const served = await serve(app, { port: options.port });
  return {
    ...served,
    settings: [`baseUrl=${served.url}`, `apiKey=${SIMULATOR_API_KEY}`],
    data,
    hits,
    subscriptions,
    change: octopusChanges({ data, url: served.url, subscriptions, clock: options.clock ?? systemClock }),
  };
}

/** The known knobs of `size`; an unknown one (a typo) is an error rather than silently ignored. */
function pickSize(size: Record<string, number> = {}): Partial<OctopusSize> {
  const known = Object.keys(DEFAULT_SIZE);
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(size)) {
    if (!known.includes(key)) {
      throw new ConfigError(`octopus simulator: unknown size "${key}" (known: ${known.join(', ')})`);
    }
    if (!Number.isInteger(value) || value < 0) {
      throw new ConfigError(`octopus simulator: size ${key} must be a whole number >= 0, got ${value}`);
    }
    out[key] = value;
  }
  return out;
}
