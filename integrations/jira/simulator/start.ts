import { systemClock } from '../../../src/http/clock.js';
import { serve } from '../../../src/testing/serve.js';
import type { RunningSimulator, SimulatedChange, SimulatorOptions } from '../../registry.js';
import { type JiraCredentials, jiraApp } from './app.js';
import { jiraChanges } from './changes.js';
import { generateJiraData, type JiraData } from './data.js';
import type { FaultCounts } from './jira-faults.js';
import type { JiraHookState } from './webhooks.js';

/** The credentials the simulator accepts; `settings` passes the Basic pair. */
export const SIMULATOR_CREDENTIALS: JiraCredentials = {
  email: 'sim@example.com',
  apiToken: 'ATATT3xFfGF0-simulator-token',
  oauthToken: 'eyJhbGciOi-simulator-oauth',
};

export interface JiraSimulator extends RunningSimulator {
  /** The dataset served; edit it between requests to change the upstream. */
  data: JiraData;
  /** Path and query of every API request, in arrival order. */
  hits: string[];
  faults: FaultCounts;
  /** Webhooks registered through the API, and `METHOD /path` of each permission and webhook request. */
  webhooks: JiraHookState;
  /** An issue updated, a project renamed, in turn, with Jira's delivery. */
  change(options?: { secret?: string }): SimulatedChange;
}

export interface JiraSimulatorOptions extends SimulatorOptions {
  /** Whether the user holds Administer Jira (false: mypermissions says so, webhook routes answer 403). @default true */
  administer?: boolean;
}

/**
 * Start the Jira simulator on loopback. Size knobs: `projects` (default 12), `issuesPerProject`
 * (each project gets 0..N issues, default 30), `searchPageSize` (largest search/jql page, default 100).
 * @example const sim = await startJiraSimulator({ seed: 7, size: { projects: 3 } }); await sim.close();
 */
export async function startJiraSimulator(options: JiraSimulatorOptions = {}): Promise<JiraSimulator> {
  const data = generateJiraData(options.seed ?? 1, {
    projects: options.size?.projects,
    issuesPerProject: options.size?.issuesPerProject,
  });
  const hits: string[] = [];
  const faults: FaultCounts = { total: 0, byKind: {}, violations: 0 };
  const webhooks: JiraHookState = {
    administer: options.administer ?? true,
    admin: [],
    dynamic: [],
    calls: [],
  };
  const app = jiraApp({
    data,
    credentials: SIMULATOR_CREDENTIALS,
    clock: options.clock ?? systemClock,
    faults: options.faults,
    faultCounts: faults,
    searchPageSize: options.size?.searchPageSize,
    hits,
    webhooks,
  });
  const served = await serve(app, { port: options.port });
  return {
    ...served,
    settings: [
      `baseUrl=${served.url}`,
      `email=${SIMULATOR_CREDENTIALS.email}`,
      `token=${SIMULATOR_CREDENTIALS.apiToken}`,
    ],
    data,
    hits,
    faults,
    webhooks,
    change: jiraChanges({ data, url: served.url, clock: options.clock ?? systemClock }),
  };
}
