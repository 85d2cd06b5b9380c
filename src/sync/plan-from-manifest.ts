import { ConfigError } from '../errors/errors.js';
import type { PaginateSpec } from '../http/pagination/index.js';
import type { LoadedManifest } from '../manifest/load.js';
import type { ResourceSpec } from '../manifest/schema.js';
import { renderDeep, renderTemplate, renderValue, type TemplateScope } from '../manifest/template.js';
import { jqSelector } from '../mapping/jq-selector.js';
import type { ChainStart, KindPlan, SyncPlan } from './plan.js';

type Json = Record<string, unknown>;

/**
 * The engine's plan for a loaded manifest (§4): templates rendered per chain, `for:` lists
 * multiplied out, and every jq selector (records, paginate paths) checked before any request.
 * `state` holds the stored incremental cursors by kind (§5).
 */
export async function planFromManifest(
  loaded: LoadedManifest,
  state: Record<string, Json | undefined> = {},
): Promise<SyncPlan> {
  const config = loaded.settings.values;
  const kinds: KindPlan[] = [];
  for (const [kind, resource] of Object.entries(loaded.manifest.resources)) {
    const field = `resources.${kind}`;
    const records = resource.records
      ? await jqSelector(resource.records, `${field}.records`, 'records')
      : undefined;
    const cursor = resource.incremental
      ? await jqSelector(resource.incremental.cursor, `${field}.incremental.cursor`, 'first')
      : undefined;
    kinds.push({
      kind,
      parent: resource.parent,
      paginate: await paginateSpec(resource, field),
      records,
      maxItems: resource.maxItems,
      maxItemsPerChain: perChainCap(resource.maxItemsPerChain, config, field),
      partial: partialReason(resource, config, state[kind]),
      incremental: cursor && { cursor },
      chains: (parent) => chainsOf(resource, { config, parent }, state[kind]),
    });
  }
  return { integration: loaded.manifest.name, kinds };
}

function chainsOf(resource: ResourceSpec, scope: TemplateScope, stored: Json | undefined): ChainStart[] {
  const combos = product(
    Object.entries(resource.for ?? {}).map(([name, source]) => {
      const value = Array.isArray(source) ? source : renderValue(source, scope);
      const list = Array.isArray(value) ? value : value === undefined || value === '' ? [] : [value];
      return list.map((v) => [name, v] as const);
    }),
  );
  const { request, incremental } = resource;
  return combos.map((pairs) => {
    const vars = Object.fromEntries(pairs);
    const path = renderTemplate(request.path, { ...scope, vars }, { encodePath: true });
    const key = `${path} ${JSON.stringify(vars)}`;
    // §5: the chain's stored cursor (or `initial`), as {state.param} or as the query parameter `param`.
    const cursor = incremental ? (stored?.[key] ?? incremental.initial) : undefined;
    const s = { ...scope, vars, state: incremental ? { [incremental.param]: cursor } : undefined };
    const query = renderDeep(request.query ?? {}, s) as Json;
    const placesItself = incremental && JSON.stringify(request).includes(`{state.${incremental.param}}`);
    if (incremental && !placesItself && cursor !== undefined && cursor !== null && cursor !== '') {
      query[incremental.param] = String(cursor);
    }
    return {
      method: request.method ?? 'GET',
      path: renderTemplate(request.path, s, { encodePath: true }),
      query: query as ChainStart['query'],
      headers: request.headers && (renderDeep(request.headers, s) as Record<string, string>),
      body: request.body === undefined ? undefined : renderDeep(request.body, s),
      vars,
      key,
    };
  });
}

function product<T>(lists: T[][]): T[][] {
  return lists.reduce<T[][]>(
    (acc, list) => acc.flatMap((prefix) => list.map((item) => [...prefix, item])),
    [[]],
  );
}

/** The manifest's paginate block with its jq fields turned into selectors. */
async function paginateSpec(resource: ResourceSpec, field: string): Promise<PaginateSpec> {
  const spec = resource.paginate ?? { type: 'none' as const };
  const out: Record<string, unknown> = { ...spec };
  for (const key of ['path', 'total', 'last'] as const) {
    const program = (spec as Record<string, unknown>)[key];
    if (typeof program === 'string')
      out[key] = await jqSelector(program, `${field}.paginate.${key}`, 'first');
  }
  return out as PaginateSpec;
}

function perChainCap(value: number | string | undefined, config: Json, field: string): number | undefined {
  if (value === undefined || typeof value === 'number') return value;
  const rendered = renderTemplate(value, { config });
  const cap = Number(rendered);
  if (!Number.isInteger(cap) || cap < 1) {
    throw new ConfigError(`${field}.maxItemsPerChain: "${rendered}" is not a positive whole number`);
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
