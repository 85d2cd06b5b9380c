/**
 * The cassette format (docs/testing.md): one JSON array per kind under `tests/cassettes/<kind>.json`,
 * in the order the requests were made within each chain. Paths and URLs are relative to `baseUrl`
 * and every secret is `***`, so a cassette replays against any base URL and holds no credential.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../errors/errors.js';

/** A query as recorded: one string per parameter, an array when it repeats. */
export type CassetteQuery = Record<string, string | string[]>;

export interface CassetteRequest {
  /** Upper case. */
  method: string;
  /** Relative to `baseUrl` (`/orgs/acme/repos`); a segment may be `***` (a scrubbed secret). */
  path: string;
  /** Values may be `***`, which matches any value on replay. */
  query: CassetteQuery;
  /** Parsed JSON, a string for other bodies, null when none. */
  body: unknown;
}

export interface CassetteResponse {
  status: number;
  /** Lower-case names; only those that steer the client (`link`, `content-type`, `retry-after`, rate-limit headers …). */
  headers: Record<string, string>;
  /** Parsed JSON when the response is JSON, else the text; null when empty. */
  body: unknown;
}

export interface Interaction {
  request: CassetteRequest;
  response: CassetteResponse;
}

/** One kind's recorded interactions. */
export type Cassette = Interaction[];

/** Where the test files of an integration folder live. */
export const testsDir = (integrationDir: string) => join(integrationDir, 'tests');
export const cassettesDir = (integrationDir: string) => join(testsDir(integrationDir), 'cassettes');
export const expectedFile = (integrationDir: string) => join(testsDir(integrationDir), 'expected.ndjson');
export const replaySettingsFile = (integrationDir: string) => join(testsDir(integrationDir), 'settings.yaml');

/** The text of a cassette file: stable 2-space JSON with a final newline. */
export function cassetteText(cassette: Cassette): string {
  return `${JSON.stringify(cassette, null, 2)}\n`;
}

/**
 * Write one `<kind>.json` per kind into `<integrationDir>/tests/cassettes/`.
 * @example await writeCassettes('my-api', new Map([['item', [{ request, response }]]]));
 */
export async function writeCassettes(integrationDir: string, cassettes: ReadonlyMap<string, Cassette>) {
  const dir = cassettesDir(integrationDir);
  await mkdir(dir, { recursive: true });
  for (const [kind, cassette] of cassettes)
    await writeFile(join(dir, `${kind}.json`), cassetteText(cassette));
}

/** Every cassette of an integration folder, by kind; a malformed file is a ConfigError naming it. */
export async function readCassettes(integrationDir: string): Promise<Map<string, Cassette>> {
  const dir = cassettesDir(integrationDir);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  } catch {
    throw new ConfigError(`${dir}: no cassettes (record them with \`inlet record\`)`);
  }
  const out = new Map<string, Cassette>();
  for (const name of names) {
    const file = join(dir, name);
    out.set(name.slice(0, -'.json'.length), parseCassette(await readFile(file, 'utf8'), file));
  }
  return out;
}

/** Parse and check a cassette's shape; each problem names the file and the entry. */
export function parseCassette(text: string, file: string): Cassette {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`${file}: not JSON (${(cause as Error).message})`, { cause });
  }
  if (!Array.isArray(value)) throw new ConfigError(`${file}: a cassette is a JSON array of interactions`);
  value.forEach((entry, i) => {
    const where = `${file}: [${i}]`;
    const req = (entry as Interaction | null)?.request;
    const res = (entry as Interaction | null)?.response;
    if (typeof req?.method !== 'string' || typeof req.path !== 'string') {
      throw new ConfigError(`${where}.request needs a method and a path`);
    }
    if (req.query !== undefined && (typeof req.query !== 'object' || req.query === null)) {
      throw new ConfigError(`${where}.request.query must be an object`);
    }
    if (typeof res?.status !== 'number') throw new ConfigError(`${where}.response.status must be a number`);
    req.query ??= {};
    req.body ??= null;
    res.headers ??= {};
    res.body ??= null;
  });
  return value as Cassette;
}
