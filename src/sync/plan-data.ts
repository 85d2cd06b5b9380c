import { ConfigError } from '../errors/errors.js';
import type { LoadedManifest } from '../manifest/load.js';
import type { ResourceSpec } from '../manifest/schema.js';
import { renderTemplate } from '../manifest/template.js';
import type { KindPlanData, PlanData } from './plan.js';

type Json = Record<string, unknown>;

/**
 * The plan of a loaded manifest as plain data (§4): per kind its resource, the settings, the
 * rendered per-chain cap, and why the read is partial. `cursors` holds the stored incremental
 * cursors by kind (§5); a kind with stored cursors is read incrementally, so it is partial.
 * @example const data = planData(loaded, { item: { '/items {}': '2026-01-01' } });
 */
export function planData(loaded: LoadedManifest, cursors: Record<string, Json | undefined> = {}): PlanData {
  const config = loaded.settings.values;
  const kinds = Object.entries(loaded.manifest.resources).map(([kind, resource]): KindPlanData => {
    const stored = resource.incremental ? cursors[kind] : undefined;
    return {
      kind,
      parent: resource.parent,
      resource,
      maxItemsPerChain: perChainCap(resource.maxItemsPerChain, config, `resources.${kind}`),
      partial: partialReason(resource, config, stored),
      ...(stored && { cursors: stored }),
    };
  });
  return { integration: loaded.manifest.name, config, kinds };
}

function perChainCap(value: number | string | undefined, config: Json, field: string): number | undefined {
  if (value === undefined || typeof value === 'number') return value;
  const rendered = renderTemplate(value, { config });
  const cap = Number(rendered);
  if (!Number.isInteger(cap) || cap < 1) {
    throw ConfigError.of([
      {
        path: `${field}.maxItemsPerChain`,
        code: 'invalid_setting',
        message: `"${rendered}" is not a positive whole number`,
      },
    ]);
  }
  return cap;
}

/** A read that is not the whole kind must not reconcile it: deletion would remove what was not read. */
function partialReason(resource: ResourceSpec, config: Json, stored: Json | undefined): string | undefined {
  if (resource.incremental && stored && Object.keys(stored).length > 0) {
    return 'was read incrementally (run with --full to reconcile)';
  }
  if (resource.partial) {
    const rendered = renderTemplate(resource.partial, { config });
    if (rendered) return `read a subset (partial: ${rendered})`;
  }
  return undefined;
}
