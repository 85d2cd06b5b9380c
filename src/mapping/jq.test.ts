import { describe, expect, it } from 'vitest';
import { isInletError } from '../errors/errors.js';
import { compileJq } from './jq.js';

async function configError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(isInletError(e, 'E_CONFIG')).toBe(true);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('compileJq', () => {
  it('runs a program many times and returns all outputs', async () => {
    const p = await compileJq('.items[] | .id', 'f');
    expect(await p.run({ items: [{ id: 1 }, { id: 2 }] })).toEqual([1, 2]);
    expect(await p.run({ items: [] })).toEqual([]);
  }, 10_000);

  it('passes strings as JSON values, not raw jq input', async () => {
    const p = await compileJq('.', 'f');
    expect(await p.run('a\nb')).toEqual(['a\nb']);
    expect(await p.run(undefined)).toEqual([null]);
  });

  it('reports syntax errors and unknown builtins as ConfigError with the field path', async () => {
    expect(await configError(compileJq('.a |', 'mapping.resources[0].x'))).toMatch(
      /^mapping\.resources\[0\]\.x: jq: syntax error, unexpected/,
    );
    expect(await configError(compileJq('foo(1)', 'f'))).toBe('f: jq: foo/1 is not defined in "foo(1)"');
    expect(await configError(compileJq('$org', 'f'))).toMatch(/^f: jq: \$org is not defined/);
  });

  it('remembers a compiled program with its variables only, and reports an error on every call', async () => {
    await expect(compileJq('$org | .x', 'f', ['org'])).resolves.toBeDefined();
    // The same text without `org` bound is another program: still an error.
    expect(await configError(compileJq('$org | .x', 'g'))).toMatch(/^g: jq: \$org is not defined/);
    expect(await configError(compileJq('.a |', 'first'))).toMatch(/^first: jq: syntax error/);
    expect(await configError(compileJq('.a |', 'second'))).toMatch(/^second: jq: syntax error/);
  });

  it('accepts runtime errors on null and programs that never end, without running them', async () => {
    await expect(compileJq('error("boom")', 'f')).resolves.toBeDefined();
    await expect(compileJq('repeat(1)', 'f')).resolves.toBeDefined();
    const p = await compileJq('.a.b', 'f');
    await expect(p.run({ a: 'x' })).rejects.toMatchObject({
      code: 'E_RESPONSE',
      message: /Cannot index string/,
    });
  });

  it('binds $parent and declared variables, null when absent', async () => {
    const p = await compileJq('[$parent, $org]', 'f', ['org']);
    expect(await p.run(null, { org: 'acme', parent: { id: 1 } })).toEqual([[{ id: 1 }, 'acme']]);
    expect(await p.run(null)).toEqual([[null, null]]);
    expect(await configError(compileJq('.', 'f', ['bad-name']))).toMatch(/not a valid jq identifier/);
  });

  it('does not expose the environment through $ENV or env', async () => {
    process.env.INLET_MAPPING_TEST_SECRET = 's3cret';
    const p = await compileJq('[$ENV, env, ($ENV | length)]', 'f');
    expect(await p.run(null)).toEqual([[{}, {}, 0]]);
    delete process.env.INLET_MAPPING_TEST_SECRET;
  });

  it('keeps comments and top-level defs working', async () => {
    const p = await compileJq('def twice: . * 2; .n | twice # doubled', 'f');
    expect(await p.run({ n: 21 })).toEqual([42]);
  });

  it('fails on halt_error even with an empty message', async () => {
    const p = await compileJq('"" | halt_error(1)', 'f');
    await expect(p.run(null)).rejects.toMatchObject({ code: 'E_RESPONSE' });
  });
});

describe('checkJq on a program that exhausts jq-wasm while compiling', () => {
  it('is a ConfigError naming the field, and jq keeps working', async () => {
    // jq folds `"abcd" * 1e8` (400 MB) at compile time; jq-wasm's heap is 256 MiB.
    expect(await configError(compileJq('"abcd" * 100000000', 'mapping.x'))).toMatch(
      /^mapping\.x: jq: jq-wasm stopped while compiling: Aborted\(\)/,
    );
    expect(await (await compileJq('.a', 'f')).run({ a: 1 })).toEqual([1]);
  });
});
