import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { isInletError } from '../errors/errors.js';
import { compileMapping } from './compile-mapping.js';
import { JqRunner, JqRunTimeout } from './jq-worker.js';
import { mapPage } from './map-page.js';

const runner = new JqRunner();
afterAll(() => runner.close());

const compile = async (
  properties: Record<string, string>,
  extra: { timeout?: string | number; identifier?: string; itemsToParse?: string } = {},
) =>
  (
    await compileMapping(
      {
        timeout: extra.timeout ?? '300ms',
        resources: [
          {
            kind: 'repo',
            port: {
              ...(extra.itemsToParse ? { itemsToParse: extra.itemsToParse } : {}),
              entity: {
                mappings: {
                  identifier: extra.identifier ?? '.id | tostring',
                  blueprint: '"repo"',
                  properties: { ok: '.name', ...properties },
                },
              },
            },
          },
        ],
      },
      { foreign: false, kinds: ['repo'] },
    )
  ).mapping;

async function mappingError(p: Promise<unknown>): Promise<Error & { kind?: string }> {
  try {
    await p;
  } catch (error) {
    expect(isInletError(error, 'E_MAPPING')).toBe(true);
    return error as Error;
  }
  throw new Error('expected E_MAPPING');
}

const page = [{ id: 1, name: 'a', n: 1e9 }];

describe('mapPage: a jq program that never ends', () => {
  it('last(repeat(1)) fails with E_MAPPING naming the field, within mapping.timeout', async () => {
    const mapping = await compile({ x: 'last(repeat(1))' });
    const error = await mappingError(mapPage(mapping, 'repo', page, {}, { runner }));
    expect(error.message).toMatch(
      /^mapping\.resources\[0\]\.port\.entity\.mappings\.properties\.x: jq: still running after 300ms \(mapping\.timeout\)/,
    );
    expect(error.kind).toBe('repo');
    // The thread was replaced: the next page maps.
    const ok = await compile({ y: '[.name, .name] | join("-")' });
    const { entities } = await mapPage(ok, 'repo', page, {}, { runner });
    expect(entities[0]?.properties).toEqual({ ok: 'a', y: 'a-a' });
  });

  it('reduce range(.n) with n = 1e9 fails with E_MAPPING naming the field (hybrid path)', async () => {
    // `.id` and `.name` run in JS; only the loop goes to jq.
    const mapping = await compile({ sum: 'reduce range(.n) as $i (0; . + $i)' }, { identifier: '.id' });
    expect(mapping.entries[0]?.fast).not.toBeNull();
    const error = await mappingError(mapPage(mapping, 'repo', page, {}, { runner }));
    expect(error.message).toMatch(/^mapping\.resources\[0\]\.port\.entity\.mappings\.properties\.sum: jq: /);
  });

  it('names itemsToParse when it is the program that loops', async () => {
    const mapping = await compile({}, { itemsToParse: '[range(.n)] | map(tostring)' });
    const error = await mappingError(mapPage(mapping, 'repo', page, {}, { runner }));
    expect(error.message).toMatch(/^mapping\.resources\[0\]\.port\.itemsToParse: jq: still running/);
  });

  it('a page whose fields are slow only together names the entry', async () => {
    // A runner on which the page's one run times out but every program alone ends.
    const mapping = await compile({ a: '.a - 1', b: '.b - 1' });
    const real = new JqRunner();
    const slowTogether = {
      run: (input: string, program: string, options: { timeout: number }) =>
        program.includes('.a - 1') && program.includes('.b - 1')
          ? Promise.reject(new JqRunTimeout())
          : real.run(input, program, options),
    } as unknown as JqRunner;
    try {
      const error = await mappingError(mapPage(mapping, 'repo', page, {}, { runner: slowTogether }));
      expect(error.message).toMatch(/^mapping\.resources\[0\]: jq: still running after 300ms/);
    } finally {
      await real.close();
    }
  });

  it('an abort ends the run at once, with the signal reason, and the runner keeps working', async () => {
    const mapping = await compile({ x: 'last(repeat(1))' }, { timeout: '1h' });
    const controller = new AbortController();
    const reason = new Error('Ctrl-C');
    const running = mapPage(mapping, 'repo', page, {}, { runner, signal: controller.signal });
    setTimeout(() => controller.abort(reason), 200);
    // Without the abort this would wait for the 1 h limit and the test would time out.
    await expect(running).rejects.toBe(reason);
    await expect(mapPage(mapping, 'repo', page, {}, { runner, signal: controller.signal })).rejects.toBe(
      reason,
    );
    const { entities } = await mapPage(await compile({ y: '.name + "!"' }), 'repo', page, {}, { runner });
    expect(entities[0]?.properties.y).toBe('a!');
  });

  it("jq-wasm's Aborted() (its 256 MiB heap exhausted) is E_MAPPING naming the field", async () => {
    // From the record, so jq cannot fold the constant when the program is checked.
    const mapping = await compile({ big: '(.name + "bcd") * 100000000 | length' }, { timeout: '1h' });
    const error = await mappingError(mapPage(mapping, 'repo', page, {}, { runner }));
    expect(error.message).toMatch(
      /^mapping\.resources\[0\]\.port\.entity\.mappings\.properties\.big: jq: jq-wasm stopped: Aborted\(\)/,
    );
    const { entities } = await mapPage(await compile({}), 'repo', page, {}, { runner });
    expect(entities).toHaveLength(1);
  });

  it('refuses a mapping.timeout of 0 or above 1h', async () => {
    await expect(compile({}, { timeout: 0 })).rejects.toMatchObject({
      code: 'E_CONFIG',
      message: 'mapping.timeout: must be more than 0 (a time limit of 0 would never end)',
    });
    await expect(compile({}, { timeout: '2h' })).rejects.toMatchObject({
      message: 'mapping.timeout: must be at most 1h (got 2h)',
    });
  });
});

describe('the jq thread and the process', () => {
  it('an unclosed mapping thread does not keep a built program alive', async () => {
    // Built by `npm test`'s pretest (tsc -p .): the worker must also start from dist/.
    const index = new URL('../../dist/src/index.js', import.meta.url).href;
    const script = `
      const { compileMapping, mapPage } = await import(${JSON.stringify(index)});
      const { mapping } = await compileMapping({ resources: [{ kind: 'k', port: { entity: { mappings: {
        identifier: '.id | tostring', blueprint: '"b"', properties: { s: '[.a[] * 2] | add' } } } } }] },
        { foreign: false, kinds: ['k'] });
      const { entities } = await mapPage(mapping, 'k', [{ id: 7, a: [1, 2] }]);
      console.log(JSON.stringify(entities[0].properties));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      timeout: 20_000,
    });
    expect(stdout.trim()).toBe('{"s":6}');
  });
});
