import type { PaginateSpec, Selector } from '../http/pagination/index.js';
import type { ResourceSpec } from '../manifest/schema.js';
import { renderDeep, renderTemplate, renderValue, type TemplateScope } from '../manifest/template.js';
import { jqSelector } from '../mapping/jq-selector.js';
import type { ChainStart, KindPlan, KindPlanData, PlanData, SyncPlan } from './plan.js';

type Json = Record<string, unknown>;

/** Compiled selectors by mode and program, so a plan compiled again for each run compiles jq once. */
export type SelectorCache = Map<string, Promise<Selector>>;

/**
 * The engine's plan from plan data: templates rendered per chain, `for:` lists multiplied out,
 * and every jq selector (records, paginate paths, cursor) compiled; a compile error is a
 * ConfigError whose issue names the field (`resources.task.records`).
 * @example const plan = await compilePlan(planData(loaded));
 */
export async function compilePlan(data: PlanData, cache: SelectorCache = new Map()): Promise<SyncPlan> {
  const selector = (program: string, field: string, mode: 'records' | 'first') => {
    const key = `${mode}\u0000${program}`;
    let compiled = cache.get(key);
    if (!compiled) {
      compiled = jqSelector(program, field, mode);
      cache.set(key, compiled);
      // A failed compile is reported to this caller and not kept.
      compiled.catch(() => cache.delete(key));
    }
    return compiled;
  };
  const kinds: KindPlan[] = [];
  for (const k of data.kinds) kinds.push(await compileKind(k, data.config, selector));
  return { integration: data.integration, kinds };
}

async function compileKind(
  k: KindPlanData,
  config: Json,
  selector: (program: string, field: string, mode: 'records' | 'first') => Promise<Selector>,
): Promise<KindPlan> {
  const { resource } = k;
  const field = `resources.${k.kind}`;
  const records = resource.records
    ? await selector(resource.records, `${field}.records`, 'records')
    : undefined;
  const cursor = resource.incremental
    ? await selector(resource.incremental.cursor, `${field}.incremental.cursor`, 'first')
    : undefined;
  const spec = resource.paginate ?? { type: 'none' as const };
  const paginate: Record<string, unknown> = { ...spec };
  for (const key of ['path', 'total', 'last'] as const) {
    const program = (spec as Record<string, unknown>)[key];
    if (typeof program === 'string')
      paginate[key] = await selector(program, `${field}.paginate.${key}`, 'first');
  }
  return {
    kind: k.kind,
    parent: k.parent,
    paginate: paginate as PaginateSpec,
    records,
    maxItems: resource.maxItems,
    maxItemsPerChain: k.maxItemsPerChain,
    partial: k.partial,
    incremental: cursor && { cursor },
    chains: (parent) => chainsOf(resource, { config, parent }, k.cursors),
  };
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
