/**
 * jq programs on top of jq-wasm (manifest contract §6). jq-wasm has no compile-once API: every call
 * parses the program again (and re-initialises jq's builtins, ~2 ms), so callers batch many
 * inputs into one call; "compiling" here means checking a program up front and keeping its text.
 */
import { type Jq, loadJq } from 'jq-wasm';
import { ConfigError, ResponseError } from '../errors/errors.js';

/** A checked jq program that can run on many inputs. */
export interface JqProgram {
  /** The program as written. */
  readonly source: string;
  /** The config path it came from, used in error messages. */
  readonly field: string;
  /**
   * All outputs of the program on `input`, with each `vars` entry bound as `$name` (declared names
   * that are absent are bound to null). A jq runtime error rejects with ResponseError.
   */
  run(input: unknown, vars?: Record<string, unknown>): Promise<unknown[]>;
}

let handle: Promise<Jq> | undefined;

/** The process-wide jq-wasm instance, loaded on first use (jq-wasm calls are synchronous after that). */
export function jqHandle(): Promise<Jq> {
  handle ??= loadJq();
  return handle;
}

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Variable names every program can use; `$parent` is always bound (null for top-level kinds). */
export function varNames(vars: readonly string[] = []): string[] {
  for (const name of vars) {
    if (!VAR_NAME.test(name) || name === 'ENV' || name.startsWith('__')) {
      throw new ConfigError(`jq variable name ${JSON.stringify(name)} is not a valid jq identifier`);
    }
  }
  return [...new Set(['parent', ...vars])];
}

/**
 * Wraps a program body so that it reads `{ v: {vars}, d: data }`, binds each var, and cannot see the
 * environment: jq-wasm's `$ENV`/`env` are Emscripten's fake environment (USER=web_user …), not
 * process.env, but they are shadowed anyway so no future build can leak secrets into a catalog.
 * Variables travel inside the input rather than as --argjson because argv is copied onto the
 * 64 KiB wasm stack.
 */
export function wrapProgram(body: string, names: readonly string[]): string {
  const binds = names.map((n) => `.v.${n} as $${n} | `).join('');
  return `def env: {}; {} as $ENV | ${binds}.d | (${body}\n)`;
}

/** The input a wrapped program reads (see wrapProgram), as JSON text. */
export function jqInput(data: unknown, vars: Record<string, unknown>): string {
  return JSON.stringify({ v: vars, d: data === undefined ? null : data });
}

/** jq's `-c` output as values, or the jq error text (exit ≠ 0, e.g. halt_error). */
export function jqOutcome(run: {
  stdout: string;
  stderr: string;
  exitCode: number;
}): { ok: true; outputs: unknown[] } | { ok: false; exitCode: number; message: string } {
  const { stdout, stderr, exitCode } = run;
  if (exitCode !== 0) return { ok: false, exitCode, message: errorMessage(stderr) };
  // -c prints one JSON value per line; strings with newlines are escaped, so lines split values.
  const outputs = stdout === '' ? [] : stdout.split('\n').map((line) => JSON.parse(line) as unknown);
  return { ok: true, outputs };
}

/** Runs a wrapped program on this thread; returns the outputs or the jq error text. */
export function runWrapped(
  jq: Jq,
  program: string,
  data: unknown,
  vars: Record<string, unknown>,
): ReturnType<typeof jqOutcome> {
  return jqOutcome(jq.raw(jqInput(data, vars), program, ['-c']));
}

/** jq's stderr without the `jq: error:` prefix, the location suffix and the caret excerpt. */
function errorMessage(stderr: string): string {
  const errors = stderr
    .split('\n')
    .filter((line) => line.startsWith('jq: error'))
    .map((line) =>
      line
        .replace(/^jq: error(?: \(at [^)]*\))?: /, '')
        .replace(/ at <top-level>, line \d+, column \d+:$/, '')
        .replace(/ at <top-level>, line \d+:$/, ''),
    );
  return errors.length > 0 ? errors.join('; ') : stderr.trim() || 'jq stopped without a message';
}

/**
 * Checks that `program` parses and only uses known builtins and the given variables, without
 * running it (so a program that loops forever on null cannot hang the check). A compile error is
 * a ConfigError `"<field>: jq: <message>"`.
 * @example await checkJq('.name', 'mapping.resources[0].port.entity.mappings.title', ['parent'])
 */
export async function checkJq(
  program: string,
  field: string,
  names: readonly string[],
  file?: string,
): Promise<void> {
  // A process that opens the same integration per run (a scheduler, `syncQueued`) compiles each program once.
  const key = `${names.join(',')}\u0000${program}`;
  if (checked.has(key)) return;
  const jq = await jqHandle();
  // `if false` compiles the branch (undefined names are compile errors) but never evaluates it.
  const probe = wrapProgram(`if false then (${program}\n) else null end`, names);
  let result: ReturnType<typeof runWrapped>;
  try {
    result = runWrapped(jq, probe, null, {});
  } catch (error) {
    // jq folds constants while compiling: `"abcd" * 1e9` exhausts jq-wasm's heap (`Aborted()`).
    handle = undefined;
    const message = String((error as Error).message).replace(/\. Build with .*$/, '');
    throw new ConfigError(
      `${field}: jq: jq-wasm stopped while compiling: ${message} in ${JSON.stringify(program)}`,
    );
  }
  if (!result.ok) {
    const message = `jq: ${result.message} in ${JSON.stringify(program)}`;
    throw ConfigError.of([{ file, path: field, code: 'jq', message }]);
  }
  if (checked.size >= CHECKED_MAX) checked.clear();
  checked.add(key);
}

/** Programs (with their variable names) that compiled; only successes, so an error is reported every time. */
const checked = new Set<string>();
const CHECKED_MAX = 4096;

/**
 * Checks a jq program up front and returns a handle that runs it.
 * @param vars names bound as `$name` when it runs, besides `$parent` (always bound).
 * @example
 * const p = await compileJq('.items[] | .id', 'resources.items.records');
 * await p.run({ items: [{ id: 1 }] }); // [1]
 */
export async function compileJq(
  program: string,
  field: string,
  vars: readonly string[] = [],
): Promise<JqProgram> {
  const names = varNames(vars);
  await checkJq(program, field, names);
  const wrapped = wrapProgram(program, names);
  return {
    source: program,
    field,
    async run(input, values = {}) {
      const jq = await jqHandle();
      const bound: Record<string, unknown> = {};
      for (const n of names) bound[n] = values[n] ?? null;
      const result = runWrapped(jq, wrapped, input, bound);
      if (!result.ok) throw new ResponseError(`${field}: jq: ${result.message}`);
      return result.outputs;
    },
  };
}
