import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../src/http/clock.js';
import type { FaultSpec, RateLimitAnswer } from '../src/testing/faults.js';
import type { ServedApp } from '../src/testing/serve.js';
import type { OutgoingDelivery } from '../src/testing/webhook-sender.js';

/** What `inlet mock <name>` and the tests need to run an integration's simulator. */
export interface SimulatorOptions {
  /** Seed of the generated data. @default 1 */
  seed?: number;
  /** Fault injection (the simulator's own rate-limit responses among the kinds). */
  faults?: FaultSpec;
  /** Server time, shared with a client's VirtualClock in tests. */
  clock?: Clock;
  /** Port to listen on (loopback). @default a free port */
  port?: number;
  /** Size knobs, named per simulator (e.g. `orgs`, `reposPerOrg`). */
  size?: Record<string, number>;
}

export interface RunningSimulator extends ServedApp {
  /** Settings (`--set key=value`) that point the integration at this simulator with valid credentials. */
  settings: string[];
  /**
   * Make the next simulated change to the simulator's own data (a pull request edited, a repository
   * renamed …) and return the delivery the provider would send for it, signed with `secret`; a sync
   * after it reads the same state. Absent when the provider has no webhooks for what is read.
   */
  change?(options?: { secret?: string }): SimulatedChange;
}

/** One change `inlet mock --send-webhooks` makes, and its delivery. */
export interface SimulatedChange {
  /** e.g. `pull request acme/api-service#3 edited` */
  description: string;
  delivery: OutgoingDelivery;
}

export interface BuiltIn {
  name: string;
  title: string;
  startSimulator(options?: SimulatorOptions): Promise<RunningSimulator>;
  /** The API's own rate-limit answer, used by `inlet test --faults` on the replay server. @default genericRateLimitAnswer */
  rateLimitAnswer?: RateLimitAnswer;
}

/**
 * The integration folders' inlet.yaml and mapping.yml ship as they are, beside the compiled code:
 * found from integrations/ (source) or dist/integrations/ (built, and in the installed package,
 * whose `files` carry only the YAML and READMEs of integrations/).
 */
function integrationsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'registry.ts')) || existsSync(join(dir, 'github', 'inlet.yaml'))) return dir;
    const candidate = join(dir, 'integrations');
    if (existsSync(join(candidate, 'github', 'inlet.yaml'))) return candidate;
    dir = dirname(dir);
  }
  return dirname(fileURLToPath(import.meta.url));
}

/** The folder of a built-in integration, or undefined when `name` is not one. */
export function builtInDir(name: string): string | undefined {
  if (!/^[a-z0-9-]+$/.test(name)) return undefined;
  const dir = join(integrationsDir(), name);
  return existsSync(join(dir, 'inlet.yaml')) ? dir : undefined;
}
