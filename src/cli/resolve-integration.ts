import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { builtInDir } from '../../integrations/registry.js';

/**
 * `inlet <verb> <integration>` accepts a built-in name (`github`, `jira`, `octopus`, `rapidpro`),
 * a folder, or a path to an inlet.yaml (manifest contract). A folder of that name holding an
 * inlet.yaml in the current directory is taken over a built-in: it is the more explicit choice.
 */
export function resolveIntegration(target: string): string {
  if (existsSync(join(target, 'inlet.yaml')) || /[\\/]|\.ya?ml$/.test(target)) return target;
  return builtInDir(target) ?? target;
}
