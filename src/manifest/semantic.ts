/**
 * Cross-field rules the schema cannot express: parents name known kinds without cycles, mappings
 * name kinds that are read, and a strict rate limit declares its rate (manifest contract §3, §4, §6).
 */

import type { ConfigIssue } from '../errors/errors.js';
import type { Manifest } from './schema.js';
import { webhookIssues } from './webhooks-schema.js';
import { type FieldPath, issueAt, type YamlSource } from './yaml-source.js';

/** Every cross-field problem, located in `source` when given. */
export function semanticIssues(manifest: Manifest, source?: YamlSource): ConfigIssue[] {
  const found: Array<{ path: FieldPath; message: string; code: string }> = [];
  const kinds = Object.keys(manifest.resources);
  const known = kinds.join(', ');

  for (const [kind, resource] of Object.entries(manifest.resources)) {
    if (resource.parent !== undefined && !(resource.parent in manifest.resources)) {
      found.push({
        path: ['resources', kind, 'parent'],
        message: `unknown parent kind "${resource.parent}" (resources has: ${known})`,
        code: 'unknown_parent',
      });
    }
  }

  // A cycle would make each kind wait for the other forever; report it once, at its first kind.
  const reported = new Set<string>();
  for (const start of kinds) {
    const chain: string[] = [];
    let kind: string | undefined = start;
    while (kind !== undefined && !chain.includes(kind)) {
      chain.push(kind);
      kind = manifest.resources[kind]?.parent;
    }
    if (kind === start && !reported.has(start)) {
      chain.forEach((member) => {
        reported.add(member);
      });
      found.push({
        path: ['resources', start, 'parent'],
        message: `parent cycle: ${[...chain, start].join(' -> ')}`,
        code: 'parent_cycle',
      });
    }
  }

  // A ceiling needs a rate to be one (manifest contract §3, `strict`).
  const rateLimit = manifest.connection.rateLimit;
  const rateEntries = rateLimit === undefined ? [] : Array.isArray(rateLimit) ? rateLimit : [rateLimit];
  rateEntries.forEach((entry, index) => {
    if (entry.strict && (entry.requests === undefined || entry.per === undefined)) {
      found.push({
        path: ['connection', 'rateLimit', ...(Array.isArray(rateLimit) ? [index] : []), 'strict'],
        message: 'strict: true needs both requests and per (the rate it keeps as a ceiling)',
        code: 'strict_needs_rate',
      });
    }
  });

  manifest.mapping?.resources.forEach((entry, index) => {
    if (!(entry.kind in manifest.resources)) {
      found.push({
        path: ['mapping', 'resources', index, 'kind'],
        message: `mapping for unknown kind "${entry.kind}" (resources has: ${known})`,
        code: 'unknown_kind',
      });
    }
  });

  return [
    ...found.map(({ path, message, code }) => issueAt(source, path, message, code)),
    ...webhookIssues(manifest.webhooks, kinds, source),
  ];
}
