import { ResponseError } from '../errors/errors.js';
import type { Selector } from '../http/pagination/index.js';
import { compileFast } from './fast-path.js';
import { checkJq, jqHandle, runWrapped, varNames, wrapProgram } from './jq.js';

/**
 * A pagination selector (`records`, `paginate.path`, `total`, `last`) from a jq program, checked
 * when the manifest loads. Plain paths run in JS; anything else runs jq synchronously (jq-wasm
 * calls are synchronous once loaded), one call per page.
 * `records` mode keeps every output (a stream of objects is the records; one array output is the
 * array); `first` mode keeps the first output (a cursor, a URL, a count).
 * @example const next = await jqSelector('.links.next // empty', 'resources.items.paginate.path', 'first');
 */
export async function jqSelector(
  program: string,
  field: string,
  mode: 'records' | 'first',
): Promise<Selector> {
  const names = varNames([]);
  await checkJq(program, field, names);
  const fast = compileFast(program);
  if (fast && mode === 'first') return (body) => fast(body, {});
  const jq = await jqHandle();
  const wrapped = wrapProgram(program, names);
  return (body) => {
    if (fast) return fast(body, {});
    const result = runWrapped(jq, wrapped, body, { parent: null });
    if (!result.ok) throw new ResponseError(`${field}: jq: ${result.message}`);
    if (mode === 'first') return result.outputs[0] ?? null;
    return result.outputs.length === 1 ? result.outputs[0] : result.outputs;
  };
}
