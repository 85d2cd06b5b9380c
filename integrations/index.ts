import { github } from './github/index.js';
import { jira } from './jira/index.js';
import { octopus } from './octopus/index.js';
import { rapidpro } from './rapidpro/index.js';
import type { BuiltIn } from './registry.js';

/**
 * The built-in integrations, by name. Each folder holds inlet.yaml, mapping.yml, a README, a
 * simulator and tests; this list is what `inlet mock` and `inlet demo` start.
 */
export const builtIns: ReadonlyMap<string, BuiltIn> = new Map<string, BuiltIn>(
  [github, jira, octopus, rapidpro].map((b) => [b.name, b]),
);
