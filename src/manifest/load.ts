/**
 * Loading an integration (manifest contract §1): read `inlet.yaml`, validate it before any request is
 * sent, resolve its settings, and pick up the integration's own `mapping.yml`.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError } from '../errors/errors.js';
import { checkRendered } from './check-rendered.js';
import { checkTemplates } from './check-templates.js';
import { configIssues } from './issues.js';
import { type Manifest, manifestSchema, mappingSchema } from './schema.js';
import { semanticIssues } from './semantic.js';
import { type ResolvedSettings, resolveSettings, type SettingsOptions } from './settings.js';
import { issueAt, parseYaml, throwIssues, type YamlSource } from './yaml-source.js';

const MANIFEST_FILE = 'inlet.yaml';
const MAPPING_FILE = 'mapping.yml';

export interface LoadedManifest {
  /** Absolute path of the `inlet.yaml` read. */
  file: string;
  /** The integration folder. */
  dir: string;
  /** The validated manifest; durations are milliseconds; `mapping` filled from `mapping.yml` when present. */
  manifest: Manifest;
  settings: ResolvedSettings;
  /** Where the mapping came from: the manifest file, `mapping.yml`, or undefined when there is none. */
  mappingFile?: string;
  /** Always false here: the integration's own mapping is strict; `--mapping` files are foreign. */
  mappingForeign: false;
  /**
   * File and line of a dotted field path (`resources.task.records`, `mapping.resources[0].kind`),
   * so checks made after loading (jq programs) point at the line like every other manifest error.
   */
  locate(path: string): { file: string; line: number };
}

/** A YAML mapping file given with `--mapping`: parsed with line info, not validated (foreign, §6). */
export interface MappingFile {
  file: string;
  value: unknown;
  source: YamlSource;
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(`${file}: cannot read ${what} (${code})`, { cause: error });
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    (info) => info.isFile(),
    () => false,
  );
}

/** Validate a parsed manifest: schema, then cross-field rules, then placeholders. */
function validateManifest(source: YamlSource): Manifest {
  const parsed = manifestSchema.safeParse(source.value ?? {}, { reportInput: true });
  if (!parsed.success) throwIssues(configIssues(parsed.error.issues, source));
  const manifest = parsed.data as Manifest;
  throwIssues(semanticIssues(manifest, source));
  checkTemplates(manifest, source);
  return manifest;
}

function validateMappingFile(source: YamlSource, manifest: Manifest): Manifest['mapping'] {
  const parsed = mappingSchema.safeParse(source.value ?? {}, { reportInput: true });
  if (!parsed.success) throwIssues(configIssues(parsed.error.issues, source));
  const mapping = parsed.data as NonNullable<Manifest['mapping']>;
  const known = Object.keys(manifest.resources).join(', ');
  throwIssues(
    mapping.resources.flatMap((entry, index) =>
      entry.kind in manifest.resources
        ? []
        : [
            issueAt(
              source,
              ['resources', index, 'kind'],
              `mapping for unknown kind "${entry.kind}" (resources has: ${known})`,
              'unknown_kind',
            ),
          ],
    ),
  );
  return mapping;
}

/**
 * Load an integration from a folder (containing `inlet.yaml`) or a manifest file; every problem is a
 * ConfigError `<file>:<line>: <field.path>: <message>` raised before any request is sent.
 * @example const { manifest, settings } = await loadManifest('integrations/github', { set: ['orgs=acme'] });
 */
export async function loadManifest(path: string, options: SettingsOptions = {}): Promise<LoadedManifest> {
  const target = resolve(path);
  const info = await stat(target).catch((error: unknown) => {
    throw new ConfigError(`${path}: no such integration folder or manifest file`, { cause: error });
  });
  const file = info.isDirectory() ? join(target, MANIFEST_FILE) : target;
  const dir = dirname(file);
  const source = parseYaml(await readText(file, 'manifest'), displayName(path, file));
  const manifest = validateManifest(source);

  let mappingFile: string | undefined = manifest.mapping ? file : undefined;
  let mappingSource: YamlSource | undefined;
  const besides = join(dir, MAPPING_FILE);
  if (!manifest.mapping && (await exists(besides))) {
    mappingSource = parseYaml(await readText(besides, 'mapping'), join(displayDir(path, file), MAPPING_FILE));
    manifest.mapping = validateMappingFile(mappingSource, manifest);
    mappingFile = besides;
  }

  const settings = resolveSettings(manifest.config, options);
  checkRendered(manifest, settings.values, source);
  const locate = (path: string) => {
    const segments = parseFieldPath(path);
    if (mappingSource && segments[0] === 'mapping') {
      return { file: mappingSource.file, line: mappingSource.lineOf(segments.slice(1)) };
    }
    return { file: source.file, line: source.lineOf(segments) };
  };
  return { file, dir, manifest, settings, mappingFile, mappingForeign: false, locate };
}

/**
 * Parse a `--mapping` file (e.g. an Ocean `port-app-config.yml`) with line info. It is foreign: the
 * mapping layer warns about unknown keys and kinds and compiles its jq; nothing is validated here.
 * @example const { value } = await loadMappingFile('port-app-config.yml');
 */
export async function loadMappingFile(path: string): Promise<MappingFile> {
  const file = resolve(path);
  const source = parseYaml(await readText(file, 'mapping file'), path);
  return { file, value: source.value, source };
}

/** Messages name the file as the user gave it (`integrations/acme/inlet.yaml`), not an absolute path. */
function displayName(given: string, file: string): string {
  return given.endsWith(basename(file)) ? given : join(given, basename(file));
}

function displayDir(given: string, file: string): string {
  return dirname(displayName(given, file));
}

/** `mapping.resources[0].port` → `['mapping', 'resources', 0, 'port']`. */
export function parseFieldPath(path: string): Array<string | number> {
  const segments: Array<string | number> = [];
  for (const part of path.split('.')) {
    const match = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!match) {
      segments.push(part);
      continue;
    }
    if (match[1]) segments.push(match[1]);
    for (const index of match[2]!.matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  return segments;
}
