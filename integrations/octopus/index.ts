import type { BuiltIn } from '../registry.js';
import { startOctopusSimulator } from './simulator/index.js';

/** Octopus Deploy: spaces, projects, releases, deployments and deployment targets. */
export const octopus: BuiltIn = {
  name: 'octopus',
  title: 'Octopus Deploy',
  startSimulator: startOctopusSimulator,
};
