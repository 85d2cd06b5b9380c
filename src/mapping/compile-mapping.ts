/**
 * Validates and compiles a mapping in Port Ocean's port-app-config shape (manifest contract §6):
 * every jq program is checked once here, and each resources entry gets one page program.
 */
import { ConfigError } from '../errors/errors.js';
import { parseBoundedDuration } from '../http/duration.js';
import { compileFast, type FastFn } from './fast-path.js';
import { checkJq, varNames, wrapProgram } from './jq.js';
import { buildPageProgram, fieldPrograms } from './page-program.js';

/** The programs of one resources entry, as written. */
export interface EntryPrograms {
  selector: string;
  itemsToParse: string | null;
  identifier: string;
  title: string | null;
  blueprint: string;
  properties: [string, string][];
  relations: [string, string][];
}

/**
 * The JS evaluators of an entry (see fast-path.ts); null where a program needs jq. mapPage sends
 * only the rest to jq, and skips jq when nothing is left.
 */
export interface FastEntry {
  selector: FastFn | null;
  /** Null when the entry has no itemsToParse (an entry whose itemsToParse needs jq has no FastEntry). */
  itemsToParse: FastFn | null;
  /** In tuple order (see fieldPrograms). */
  fields: (FastFn | null)[];
}

/** One compiled resources entry; several may share a kind and are applied in order. */
export interface CompiledEntry {
  kind: string;
  /** Config path, e.g. `mapping.resources[2]`, for error messages. */
  path: string;
  programs: EntryPrograms;
  /** Bound variable names (`parent` first). */
  vars: string[];
  /** The wrapped jq program that maps a whole page with jq alone (see page-program.ts). */
  pageProgram: string;
  /** Null when no field runs in JS, or itemsToParse needs jq (then the page program does it all). */
  fast: FastEntry | null;
}

export interface CompiledMapping {
  /** @default true */
  deleteStaleEntities: boolean;
  /** Refuse to delete more than this share of a blueprint. @default 0.9 */
  deletionThreshold: number;
  /** Longest one page's jq run may take, in ms; past it mapPage fails with E_MAPPING. @default 30000 */
  timeout: number;
  entries: readonly CompiledEntry[];
}

export interface CompileMappingOptions {
  /** A `--mapping` file (e.g. an Ocean port-app-config.yml): unknown keys and kinds only warn. */
  foreign: boolean;
  /** The kinds the integration reads. */
  kinds: readonly string[];
  /** Shown in messages instead of `mapping.` (the file the mapping came from). */
  file?: string;
  /** Variable names bound when mapping (the chains' `for` variables), besides `$parent`. */
  vars?: readonly string[];
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const KEYS = {
  top: ['deleteStaleEntities', 'deletionThreshold', 'timeout', 'resources'],
  resource: ['kind', 'selector', 'port'],
  selector: ['query'],
  port: ['itemsToParse', 'entity'],
  entity: ['mappings'],
  mappings: ['identifier', 'title', 'blueprint', 'properties', 'relations'],
};

/**
 * Validates a mapping spec and compiles its jq programs.
 * Strict (inlet.yaml): unknown keys and kinds are ConfigErrors naming the field path. Foreign: they
 * are named in one warning and ignored; the programs of known kinds are still checked.
 * @example
 * const { mapping, warnings } = await compileMapping(yaml.parse(text), { foreign: true, kinds: ['repository'] });
 */
export async function compileMapping(
  spec: unknown,
  options: CompileMappingOptions,
): Promise<{ mapping: CompiledMapping; warnings: string[] }> {
  const root = options.file ? `${options.file}: ` : 'mapping.';
  const at = (path: string) => `${root}${path}`;
  // Issues as data: the field path, and the file for a --mapping file (the loader adds the line).
  const fieldOf = (path: string) => (options.file ? path : `mapping.${path}`);
  const bad = (path: string, message: string, code = 'mapping') =>
    ConfigError.of([
      { file: options.file, path: options.file ? path : `mapping${path ? `.${path}` : ''}`, code, message },
    ]);
  const ignoredKeys: string[] = [];
  const ignoredKinds = new Set<string>();
  const checkKeys = (value: Obj, allowed: readonly string[], path: string) => {
    for (const key of Object.keys(value)) {
      if (allowed.includes(key)) continue;
      const where = path ? `${path}.${key}` : key;
      if (!options.foreign) throw bad(where, `unknown key`);
      ignoredKeys.push(where);
    }
  };
  const obj = (value: unknown, path: string, required: boolean): Obj | undefined => {
    if (value === undefined && !required) return undefined;
    if (!isObj(value)) throw bad(path, `must be an object`);
    return value;
  };
  const str = (value: unknown, path: string): string => {
    if (typeof value !== 'string' || value.trim() === '') {
      throw bad(path, `must be a non-empty jq program (string)`);
    }
    return value;
  };
  const strMap = (value: unknown, path: string): [string, string][] => {
    const o = obj(value, path, false);
    return o ? Object.entries(o).map(([k, v]) => [k, str(v, `${path}.${k}`)]) : [];
  };

  const top = spec === undefined || spec === null ? {} : obj(spec, '', true);
  if (!top) throw bad('', `must be an object`);
  checkKeys(top, KEYS.top, '');
  const deleteStaleEntities = top.deleteStaleEntities ?? true;
  if (typeof deleteStaleEntities !== 'boolean') {
    throw bad('deleteStaleEntities', `must be a boolean`);
  }
  const deletionThreshold = top.deletionThreshold ?? 0.9;
  if (typeof deletionThreshold !== 'number' || !(deletionThreshold >= 0 && deletionThreshold <= 1)) {
    throw bad('deletionThreshold', `must be a number from 0 to 1`);
  }
  const rawTimeout = top.timeout ?? '30s';
  if (typeof rawTimeout !== 'string' && typeof rawTimeout !== 'number') {
    throw new ConfigError(`${at('timeout')}: must be a duration such as 30s`);
  }
  const timeout = parseBoundedDuration(rawTimeout, at('timeout'), 'limit');
  const resources = top.resources ?? [];
  if (!Array.isArray(resources)) throw bad('resources', `must be a list`);

  const names = varNames(options.vars);
  const entries: CompiledEntry[] = [];
  for (const [i, raw] of resources.entries()) {
    const path = `resources[${i}]`;
    const res = obj(raw, path, true) as Obj;
    if (typeof res.kind !== 'string' || res.kind === '') throw bad(`${path}.kind`, `required`);
    if (!options.kinds.includes(res.kind)) {
      if (!options.foreign) {
        throw bad(`${path}.kind`, `unknown kind ${JSON.stringify(res.kind)}`);
      }
      ignoredKinds.add(res.kind);
      continue;
    }
    checkKeys(res, KEYS.resource, path);
    const selector = obj(res.selector, `${path}.selector`, false) ?? {};
    checkKeys(selector, KEYS.selector, `${path}.selector`);
    const port = obj(res.port, `${path}.port`, true) as Obj;
    checkKeys(port, KEYS.port, `${path}.port`);
    const entity = obj(port.entity, `${path}.port.entity`, true) as Obj;
    checkKeys(entity, KEYS.entity, `${path}.port.entity`);
    const mp = `${path}.port.entity.mappings`;
    const mappings = obj(entity.mappings, mp, true) as Obj;
    checkKeys(mappings, KEYS.mappings, mp);
    const programs: EntryPrograms = {
      selector: selector.query === undefined ? 'true' : str(selector.query, `${path}.selector.query`),
      itemsToParse:
        port.itemsToParse === undefined ? null : str(port.itemsToParse, `${path}.port.itemsToParse`),
      identifier: str(mappings.identifier, `${mp}.identifier`),
      title:
        mappings.title === undefined || mappings.title === null ? null : str(mappings.title, `${mp}.title`),
      blueprint: str(mappings.blueprint, `${mp}.blueprint`),
      properties: strMap(mappings.properties, `${mp}.properties`),
      relations: strMap(mappings.relations, `${mp}.relations`),
    };
    const checks: [string, string][] = [
      [programs.selector, `${path}.selector.query`],
      [programs.identifier, `${mp}.identifier`],
      [programs.blueprint, `${mp}.blueprint`],
      ...programs.properties.map(([k, p]): [string, string] => [p, `${mp}.properties.${k}`]),
      ...programs.relations.map(([k, p]): [string, string] => [p, `${mp}.relations.${k}`]),
    ];
    if (programs.itemsToParse !== null) checks.push([programs.itemsToParse, `${path}.port.itemsToParse`]);
    if (programs.title !== null) checks.push([programs.title, `${mp}.title`]);
    for (const [program, field] of checks) await checkJq(program, fieldOf(field), names, options.file);
    const body = buildPageProgram({ ...programs, fields: fieldPrograms(programs) });
    // The assembled program must compile too (it only combines checked parts, so this is a safeguard).
    await checkJq(body, fieldOf(path), names, options.file);
    const pageProgram = wrapProgram(body, names);
    entries.push({
      kind: res.kind,
      path: at(path),
      programs,
      vars: names,
      pageProgram,
      fast: compileFastEntry(programs),
    });
  }

  const parts: string[] = [];
  if (ignoredKeys.length > 0) parts.push(`keys Inlet does not use: ${ignoredKeys.join(', ')}`);
  if (ignoredKinds.size > 0) {
    parts.push(`kinds this integration does not read: ${[...ignoredKinds].join(', ')}`);
  }
  const warnings =
    parts.length > 0 ? [`${options.file ?? 'mapping'}: ignoring ${parts.join('; ignoring ')}`] : [];
  return { mapping: { deleteStaleEntities, deletionThreshold, timeout, entries }, warnings };
}

function compileFastEntry(p: EntryPrograms): FastEntry | null {
  const itemsToParse = p.itemsToParse === null ? null : compileFast(p.itemsToParse);
  if (p.itemsToParse !== null && !itemsToParse) return null;
  const fields = fieldPrograms(p).map((program) => compileFast(program));
  if (fields.every((f) => f === null)) return null;
  return { selector: compileFast(p.selector), itemsToParse, fields };
}
