/**
 * `tests/expected.ndjson`: the catalog export a replay must produce, in `inlet catalog export`'s
 * format (one entity per line, sorted by blueprint then identifier), with URLs under `baseUrl` made
 * relative and secrets masked exactly as in the cassettes, so a replay on any port compares equal.
 */
import type { CatalogStore } from '../catalog/index.js';
import { ConfigError } from '../errors/errors.js';
import { type StringScrub, scrubJson } from './cassette-scrub.js';

/** One line of the export. */
export interface ExportedEntity {
  blueprint: string;
  identifier: string;
  title: string | null;
  properties: Record<string, unknown>;
  relations: Record<string, unknown>;
}

/** Every entity of `integration` in the catalog, as export lines passed through `scrub`. */
export async function exportCatalog(
  store: Pick<CatalogStore, 'exportEntities'>,
  integration: string,
  scrub: StringScrub = (s) => s,
): Promise<ExportedEntity[]> {
  const out: ExportedEntity[] = [];
  for await (const e of store.exportEntities({ integration })) {
    const line = {
      blueprint: e.blueprint,
      identifier: e.identifier,
      title: e.title,
      properties: e.properties,
      relations: e.relations,
    };
    out.push(scrubJson(line, scrub) as ExportedEntity);
  }
  return out;
}

/** The text of `expected.ndjson`. */
export const expectedText = (entities: readonly ExportedEntity[]) =>
  entities.map((e) => `${JSON.stringify(e)}\n`).join('');

/** Parse `expected.ndjson`; a bad line names the file and line. */
export function parseExpected(text: string, file: string): ExportedEntity[] {
  const out: ExportedEntity[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: ExportedEntity;
    try {
      value = JSON.parse(line) as ExportedEntity;
    } catch (cause) {
      throw new ConfigError(`${file}:${i + 1}: not a JSON line (${(cause as Error).message})`, { cause });
    }
    if (typeof value?.blueprint !== 'string' || typeof value.identifier !== 'string') {
      throw new ConfigError(`${file}:${i + 1}: an entity needs a blueprint and an identifier`);
    }
    out.push(value);
  });
  return out;
}

const key = (e: ExportedEntity) => `${e.blueprint} ${e.identifier}`;

/**
 * A readable diff of two exports, one line per difference: a missing or unexpected entity, or a
 * field (`title`, `properties.stars`, `relations.organization`) with the expected and the actual value.
 * @example diffCatalog(expected, actual) // ['githubRepository acme/api: properties.stars: expected 3, got 4']
 */
export function diffCatalog(
  expected: readonly ExportedEntity[],
  actual: readonly ExportedEntity[],
): string[] {
  const lines: string[] = [];
  const got = new Map(actual.map((e) => [key(e), e]));
  const wanted = new Map(expected.map((e) => [key(e), e]));
  for (const [k, e] of wanted) {
    const a = got.get(k);
    if (!a) {
      lines.push(`${k}: missing`);
      continue;
    }
    if (!same(e.title, a.title)) lines.push(`${k}: title: expected ${show(e.title)}, got ${show(a.title)}`);
    for (const section of ['properties', 'relations'] as const) {
      const names = new Set([...Object.keys(e[section] ?? {}), ...Object.keys(a[section] ?? {})]);
      for (const name of [...names].sort()) {
        const want = e[section]?.[name];
        const have = a[section]?.[name];
        if (!same(want, have))
          lines.push(`${k}: ${section}.${name}: expected ${show(want)}, got ${show(have)}`);
      }
    }
  }
  for (const k of got.keys()) if (!wanted.has(k)) lines.push(`${k}: not expected`);
  return lines;
}

/** JSON with object keys sorted, so key order never counts as a difference. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
