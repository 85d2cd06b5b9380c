/**
 * Maps a page of records to catalog entities (manifest contract §6): one jq call per slice of the
 * page per resources entry, for the fields the JS fast path cannot evaluate (none when every program
 * of the entry is on it: paths, literals, conditionals, `+`, `==`, `tostring`, `[.a[].b]` … — see
 * fast-path.ts; then jq is not called). jq runs on a
 * worker thread (jq-worker.ts) under `mapping.timeout`; the JS fast path has no loops or recursion
 * (fast-path.ts), so it stays on this thread.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { ResponseError } from '../errors/errors.js';
import type { CompiledEntry, CompiledMapping, FastEntry } from './compile-mapping.js';
import { jqInput, jqOutcome, wrapProgram } from './jq.js';
import { JqRunner } from './jq-worker.js';
import { type InJq, type RunContext, runGuarded } from './mapping-failure.js';
import { buildPageProgram, fieldPrograms } from './page-program.js';

/** A catalog entity as Port describes it. */
export interface Entity {
  blueprint: string;
  identifier: string;
  title: string | null;
  properties: Record<string, unknown>;
  relations: Record<string, unknown>;
}

export interface MapBindings {
  /** The parent record of a child kind, bound as `$parent`. */
  parent?: object;
  /** The chain's `for` variables, each bound as `$name`. */
  vars?: Record<string, unknown>;
}

export interface MapResult {
  entities: Entity[];
  /** Records (or items) whose identifier or blueprint was null/empty, or whose itemsToParse was not a list. */
  skipped: number;
  /** Records (or items) the selector rejected. */
  filtered: number;
}

export interface MapPageOptions {
  /** Ends the page's jq run at once (the worker thread is replaced); rejects with the signal's reason. */
  signal?: AbortSignal;
  /** The jq thread to use. @default one shared by the process, idle threads never keep it alive */
  runner?: JqRunner;
}

/**
 * Records per jq call: the JSON text of a slice is copied to the jq thread and its output back, and
 * the fast path's JS runs between slices with a yield, so a huge page never holds the loop long.
 */
const SLICE = 500;

let sharedRunner: JqRunner | undefined;

/**
 * Maps `records` of `kind` with every resources entry for that kind, in order. A jq run longer than
 * `mapping.timeout`, or one that crashes jq-wasm (`Aborted()`, e.g. out of memory), rejects with a
 * MappingError (`E_MAPPING`) naming the field.
 * @example
 * const { entities } = await mapPage(mapping, 'repository', page, { vars: { org: 'acme' } });
 */
export async function mapPage(
  mapping: CompiledMapping,
  kind: string,
  records: readonly object[],
  bindings: MapBindings = {},
  options: MapPageOptions = {},
): Promise<MapResult> {
  const result: MapResult = { entities: [], skipped: 0, filtered: 0 };
  sharedRunner ??= options.runner ? undefined : new JqRunner();
  const ctx: RunContext = {
    runner: options.runner ?? (sharedRunner as JqRunner),
    timeout: mapping.timeout,
    signal: options.signal,
  };
  for (const entry of mapping.entries) {
    if (entry.kind !== kind) continue;
    const vars: Record<string, unknown> = {};
    for (const name of entry.vars) vars[name] = bindings.vars?.[name] ?? null;
    vars.parent = bindings.parent ?? null;
    for (let start = 0; start < records.length; start += SLICE) {
      if (start > 0) await yieldToLoop();
      const slice = records.slice(start, start + SLICE);
      if (entry.fast) await mapHybrid(entry, entry.fast, slice, vars, result, ctx);
      else await mapJq(entry, slice, vars, result, ctx);
    }
  }
  return result;
}

/** Turns one record's field values into an entity, or counts it as skipped. */
function collect(
  values: readonly unknown[],
  result: MapResult,
  props: readonly string[],
  rels: readonly string[],
): void {
  const [id, title, blueprint] = values;
  const identifier = typeof id === 'number' ? String(id) : id;
  if (
    typeof identifier !== 'string' ||
    identifier === '' ||
    typeof blueprint !== 'string' ||
    blueprint === ''
  ) {
    result.skipped++;
    return;
  }
  const properties: Record<string, unknown> = {};
  const relations: Record<string, unknown> = {};
  props.forEach((k, i) => {
    properties[k] = values[3 + i] ?? null;
  });
  rels.forEach((k, i) => {
    relations[k] = values[3 + props.length + i] ?? null;
  });
  result.entities.push({
    blueprint,
    identifier,
    title:
      typeof title === 'string' || title === null || title === undefined
        ? (title ?? null)
        : JSON.stringify(title),
    properties,
    relations,
  });
}

/**
 * Runs a page program on `slice` on the jq thread; its rows (see page-program.ts). `inJq` says which
 * of the entry's programs it contains, to name the one at fault when the run fails.
 */
async function runPage(
  entry: CompiledEntry,
  program: string,
  slice: readonly object[],
  vars: Record<string, unknown>,
  ctx: RunContext,
  inJq: InJq,
): Promise<unknown[]> {
  const run = jqOutcome(await runGuarded(entry, program, jqInput(slice, vars), ctx, inJq));
  // Every field is wrapped in try, so only halt/halt_error (or a crash) can end here.
  if (!run.ok) throw new ResponseError(`${entry.path}: jq: ${run.message}`, { kind: entry.kind });
  const [rows] = run.outputs;
  if (!Array.isArray(rows)) throw new ResponseError(`${entry.path}: jq: page program gave no list`);
  return rows;
}

async function mapJq(
  entry: CompiledEntry,
  slice: readonly object[],
  vars: Record<string, unknown>,
  result: MapResult,
  ctx: RunContext,
): Promise<void> {
  const all = { selector: true, fields: fieldPrograms(entry.programs).map(() => true) };
  const rows = await runPage(entry, entry.pageProgram, slice, vars, ctx, all);
  const props = entry.programs.properties.map(([k]) => k);
  const rels = entry.programs.relations.map(([k]) => k);
  for (const row of rows) {
    if (row === 0) result.skipped++;
    else if (row === false) result.filtered++;
    else
      collect(
        (row as unknown[][]).map((outputs) => outputs[0] ?? null),
        result,
        props,
        rels,
      );
  }
}

/**
 * Fields with a JS evaluator run in JS; the rest (and a selector that needs jq) go to one jq call
 * whose rows line up with the records, or items, in order. A JS selector without itemsToParse
 * drops records before the call, so jq never sees them.
 */
async function mapHybrid(
  entry: CompiledEntry,
  fast: FastEntry,
  slice: readonly object[],
  vars: Record<string, unknown>,
  result: MapResult,
  ctx: RunContext,
): Promise<void> {
  const props = entry.programs.properties.map(([k]) => k);
  const rels = entry.programs.relations.map(([k]) => k);
  const { selector, itemsToParse, fields } = fast;
  const all = fieldPrograms(entry.programs);
  const jqFields = all.filter((_, i) => fields[i] === null);
  let records = slice;
  if (selector && !itemsToParse) {
    records = slice.filter((r) => selector(r, vars) === true);
    result.filtered += slice.length - records.length;
  }
  let rows: unknown[] | null = null;
  if ((jqFields.length > 0 || !selector) && records.length > 0) {
    const body = buildPageProgram({
      selector: selector ? 'true' : entry.programs.selector,
      itemsToParse: entry.programs.itemsToParse,
      fields: jqFields,
    });
    const inJq = { selector: !selector, fields: fields.map((f) => f === null) };
    rows = await runPage(entry, wrapProgram(body, entry.vars), records, vars, ctx, inJq);
  }
  let next = 0;
  const one = (record: unknown) => {
    const row = rows ? rows[next++] : null;
    if (row === false || (selector && itemsToParse && selector(record, vars) !== true)) {
      result.filtered++;
      return;
    }
    let j = 0;
    const values = fields.map((fn) =>
      fn ? (fn(record, vars) ?? null) : ((row as unknown[][])[j++]?.[0] ?? null),
    );
    collect(values, result, props, rels);
  };
  for (const record of records) {
    if (!itemsToParse) {
      one(record);
      continue;
    }
    const items = itemsToParse(record, vars);
    if (!Array.isArray(items)) {
      if (rows) next++; // the page program's 0 for this record
      result.skipped++;
      continue;
    }
    const isRecord = typeof record === 'object' && record !== null && !Array.isArray(record);
    for (const item of items) one(isRecord ? { item, ...record } : { item });
  }
  if (rows && next !== rows.length) {
    throw new ResponseError(`${entry.path}: jq: page program gave ${rows.length} rows for ${next} items`);
  }
}
