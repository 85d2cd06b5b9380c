/**
 * A page's jq run that did not end within `mapping.timeout`, or crashed jq-wasm (`Aborted()`, most
 * often its 256 MiB heap running out), is a MappingError naming the program at fault. One run maps
 * every field of the page, so after a failure each of the entry's jq programs is run alone on the
 * same input, under the same limit, until one fails again (issue 8: "naming the field").
 */
import { MappingError } from '../errors/errors.js';
import { formatDuration } from '../http/duration.js';
import type { CompiledEntry } from './compile-mapping.js';
import { wrapProgram } from './jq.js';
import { type JqRawResult, type JqRunner, JqRunTimeout } from './jq-worker.js';
import { buildPageProgram, fieldPrograms } from './page-program.js';

export interface RunContext {
  runner: JqRunner;
  /** `mapping.timeout` in ms. */
  timeout: number;
  signal?: AbortSignal | undefined;
}

/** Which of an entry's programs a page program runs in jq (the rest run in JS). */
export interface InJq {
  selector: boolean;
  /** In tuple order (see fieldPrograms). */
  fields: readonly boolean[];
}

type Failure = { timeout: true } | { crash: string };

/**
 * Runs a page program; on a timeout or a crash, finds the program at fault and rejects with a
 * MappingError. An abort rejects with the signal's reason.
 */
export async function runGuarded(
  entry: CompiledEntry,
  program: string,
  input: string,
  ctx: RunContext,
  inJq: InJq,
): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const outcome = await attempt(program, input, ctx);
  if (!('failure' in outcome)) return outcome;
  let where = entry.path;
  for (const [path, probe] of candidates(entry, inJq)) {
    if ('failure' in (await attempt(probe, input, ctx))) {
      where = path;
      break;
    }
  }
  const failure = outcome.failure;
  const cause =
    'timeout' in failure
      ? `still running after ${formatDuration(ctx.timeout)} (mapping.timeout); a loop such as repeat, until or range over a large number?`
      : `jq-wasm stopped: ${failure.crash.replace(/\. Build with .*$/, '')} (most often out of memory: jq-wasm has a 256 MiB heap)`;
  throw new MappingError(`${where}: jq: ${cause}`, { kind: entry.kind });
}

async function attempt(
  program: string,
  input: string,
  ctx: RunContext,
): Promise<{ stdout: string; stderr: string; exitCode: number } | { failure: Failure }> {
  let raw: JqRawResult;
  try {
    raw = await ctx.runner.run(input, program, ctx);
  } catch (error) {
    if (error instanceof JqRunTimeout) return { failure: { timeout: true } };
    throw error;
  }
  return raw.crash === undefined ? raw : { failure: { crash: raw.crash } };
}

/** The entry's jq programs in the order jq meets them, each as a page program of its own. */
function* candidates(entry: CompiledEntry, inJq: InJq): Generator<[string, string]> {
  const { programs } = entry;
  const page = (selector: string, fields: string[]) =>
    wrapProgram(buildPageProgram({ selector, itemsToParse: programs.itemsToParse, fields }), entry.vars);
  if (programs.itemsToParse !== null) {
    yield [`${entry.path}.port.itemsToParse`, page('true', [])];
  }
  if (inJq.selector && programs.selector.trim() !== 'true') {
    yield [`${entry.path}.selector.query`, page(programs.selector, [])];
  }
  const paths = fieldPaths(entry);
  const all = fieldPrograms(programs);
  for (const [i, program] of all.entries()) {
    if (inJq.fields[i]) yield [paths[i] as string, page('true', [program])];
  }
}

/** Config paths of an entry's fields in tuple order (see fieldPrograms). */
function fieldPaths(entry: CompiledEntry): string[] {
  const mp = `${entry.path}.port.entity.mappings`;
  return [
    `${mp}.identifier`,
    `${mp}.title`,
    `${mp}.blueprint`,
    ...entry.programs.properties.map(([k]) => `${mp}.properties.${k}`),
    ...entry.programs.relations.map(([k]) => `${mp}.relations.${k}`),
  ];
}
