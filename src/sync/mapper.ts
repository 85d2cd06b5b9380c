import { ConfigError } from '../errors/errors.js';
import type { LoadedManifest, MappingFile } from '../manifest/load.js';
import { type CompiledMapping, compileMapping } from '../mapping/compile-mapping.js';
import { JqRunner } from '../mapping/jq-worker.js';
import { mapPage } from '../mapping/map-page.js';
import type { Mapper } from './engine.js';

/**
 * The engine's mapper for a manifest: its own mapping (strict), or a `--mapping` file such as an
 * Ocean port-app-config.yml (foreign: unknown keys and kinds are one warning). Every jq program is
 * compiled here, before any request is sent. Its jq runs on a thread of its own, ended by `close()`
 * (an idle thread never keeps the process alive, so a forgotten close only holds some memory).
 */
export async function createMapper(
  loaded: LoadedManifest,
  foreign: MappingFile | undefined,
  onWarning: (message: string) => void,
): Promise<Mapper> {
  const resources = loaded.manifest.resources;
  const spec = foreign ? foreign.value : loaded.manifest.mapping;
  if (spec === undefined) {
    throw ConfigError.of([
      {
        file: loaded.file,
        path: 'mapping',
        code: 'required',
        message: 'no mapping (add a mapping section, a mapping.yml, or pass --mapping)',
      },
    ]);
  }
  const vars = [...new Set(Object.values(resources).flatMap((r) => Object.keys(r.for ?? {})))];
  const { mapping, warnings } = await compileMapping(spec, {
    foreign: foreign !== undefined,
    kinds: Object.keys(resources),
    file: foreign?.file,
    vars,
  });
  for (const warning of warnings) onWarning(warning);
  const runner = new JqRunner();
  return {
    mapPage: (kind, records, bindings, options) =>
      mapPage(mapping, kind, records, bindings, { signal: options?.signal, runner }),
    close: () => runner.close(),
    blueprintsOf: (kind) => blueprintsOf(mapping, kind),
    maps: (kind) => mapping.entries.some((e) => e.kind === kind),
    readsParent: (kind) => mapping.entries.some((e) => e.kind === kind && mentionsParent(e.programs)),
    deleteStaleEntities: mapping.deleteStaleEntities,
    deletionThreshold: mapping.deletionThreshold,
  };
}

/** A blueprint written as a string literal (`'"githubRepository"'`) is known before the run. */
function blueprintsOf(mapping: CompiledMapping, kind: string): { literals: string[]; dynamic: boolean } {
  const literals: string[] = [];
  let dynamic = false;
  for (const entry of mapping.entries) {
    if (entry.kind !== kind) continue;
    const literal = stringLiteral(entry.programs.blueprint);
    if (literal === undefined) dynamic = true;
    else literals.push(literal);
  }
  return { literals, dynamic };
}

/** Textual and so conservative: `$parent` inside a string literal also counts. */
function mentionsParent(programs: CompiledMapping['entries'][number]['programs']): boolean {
  const texts = [
    programs.selector,
    programs.itemsToParse,
    programs.identifier,
    programs.title,
    programs.blueprint,
  ];
  for (const [, program] of [...programs.properties, ...programs.relations]) texts.push(program);
  return texts.some((t) => t !== null && /\$parent\b/.test(t));
}

function stringLiteral(program: string): string | undefined {
  try {
    const value = JSON.parse(program.trim()) as unknown;
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
