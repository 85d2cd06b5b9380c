import type { BuiltIn } from '../registry.js';
import { startOctopusSimulator } from './simulator/index.js';
import { octopusError } from './simulator/octopus-errors.js';

/** Octopus Deploy: spaces, projects, releases, deployments and deployment targets. */
export const octopus: BuiltIn = {
  name: 'octopus',
  title: 'Octopus Deploy',
  startSimulator: startOctopusSimulator,
  // Octopus Cloud answers 429 with Retry-After and its ErrorMessage body (see simulator/octopus-errors.ts).
  rateLimitAnswer: (c, { retryAfterSeconds }) => {
    c.header('retry-after', String(retryAfterSeconds));
    return c.json(octopusError('Too many requests. Please retry after the time in Retry-After.'), 429);
  },
};
