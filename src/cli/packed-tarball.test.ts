import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface PackedManifest {
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  exports: Record<string, { types: string; default: string }>;
}

/**
 * What `npm install ./inlet-x.tgz` gives a user (issue 8, item 7), without the network: the packed
 * tarball unpacked as tmp/node_modules/inlet, and beside it only the package's declared
 * dependencies, each linked from this project's node_modules (their native builds included). The
 * project itself is not reachable from there, so a file `files` leaves out, or an undeclared
 * import, fails here as it would for the user.
 */
describe('the packed tarball, installed', () => {
  let tmp: string;
  let pkgDir: string;
  let manifest: PackedManifest;
  let files: string[];

  beforeAll(async () => {
    if (!existsSync(join(root, 'dist/src/cli/main.js'))) {
      throw new Error('dist/ is missing: run `npm run build` first (`npm test` does, in pretest)');
    }
    tmp = await mkdtemp(join(tmpdir(), 'inlet-packed-'));
    const { stdout } = await run(
      'npm',
      ['pack', '--json', '--ignore-scripts', '--silent', '--pack-destination', tmp],
      { cwd: root },
    );
    const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = packed!.files.map((f) => f.path);
    pkgDir = join(tmp, 'node_modules', 'inlet');
    await mkdir(pkgDir, { recursive: true });
    await run('tar', ['-xzf', join(tmp, packed!.filename), '-C', pkgDir, '--strip-components=1']);
    manifest = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8')) as PackedManifest;
    for (const dep of Object.keys(manifest.dependencies)) {
      const target = join(tmp, 'node_modules', dep);
      await mkdir(dirname(target), { recursive: true });
      await symlink(join(root, 'node_modules', dep), target, 'dir');
    }
  }, 60_000);

  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const inlet = (args: string[], cwd: string) =>
    run(process.execPath, [join(pkgDir, manifest.bin.inlet!), ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 60_000,
    });

  it('ships the built code, the integration folders and the schema, and no tests or sources', () => {
    for (const path of [
      manifest.bin.inlet!,
      'dist/integrations/index.js',
      'dist/integrations/github/simulator/start.js',
      'schema/inlet.schema.json',
      'README.md',
    ]) {
      expect(files, path).toContain(path.replace(/^\.\//, ''));
    }
    for (const name of ['github', 'jira', 'octopus', 'rapidpro']) {
      for (const file of ['inlet.yaml', 'mapping.yml', 'README.md', 'tests/expected.ndjson', 'tests/settings.yaml']) {
        expect(files).toContain(`integrations/${name}/${file}`);
      }
    }
    expect(files.filter((f) => /\.test\.|(?<!\.d)\.ts$/.test(f))).toEqual([]);
  });

  it('`inlet --help` runs from the installed bin', async () => {
    const { stdout } = await inlet(['--help'], tmp);
    expect(stdout).toMatch(/Usage: inlet/);
    expect(stdout).toMatch(/sync \[options\] <integration>/);
    // npx and `npm i -g` run the bin directly: it needs its shebang.
    expect(
      (await readFile(join(pkgDir, manifest.bin.inlet!), 'utf8')).startsWith('#!/usr/bin/env node\n'),
    ).toBe(true);
  });

  it('`inlet demo` syncs the built-in GitHub simulator from the installed package', async () => {
    const cwd = join(tmp, 'demo');
    await mkdir(cwd);
    const { stdout } = await inlet(['demo', '--log-level', 'error'], cwd);
    expect(stdout).toMatch(/run \d+ succeeded/);
    expect(stdout).toMatch(/githubRepository +acme\//);
    expect(existsSync(join(cwd, 'inlet-demo.db'))).toBe(true);
  }, 90_000);

  it('`inlet test github` replays its shipped cassettes; `inlet record github` will not write into the package', async () => {
    const cwd = join(tmp, 'replay');
    await mkdir(cwd);
    const { stdout } = await inlet(['test', 'github', '--log-level', 'error'], cwd);
    expect(stdout).toMatch(/^6 passed, 0 failed$/m);
    const refused = await inlet(['record', 'github', '--set', 'orgs=acme'], cwd).catch((e: { stderr: string }) => e);
    expect((refused as { stderr: string }).stderr).toMatch(/part of the installed inlet package; pass --out DIR/);
  }, 90_000);

  it("`import('inlet')` and `import('inlet/testing')` load through the package's exports", async () => {
    const script = `
      const inlet = await import('inlet');
      const testing = await import('inlet/testing');
      console.log(JSON.stringify([typeof inlet.createClient, typeof inlet.loadManifest, typeof testing.startTestServer]));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: tmp });
    expect(JSON.parse(stdout)).toEqual(['function', 'function', 'function']);
  });

  it('its type declarations resolve for a TypeScript consumer', async () => {
    await mkdir(join(tmp, 'node_modules', '@types'), { recursive: true });
    await symlink(join(root, 'node_modules/@types/node'), join(tmp, 'node_modules/@types/node'), 'dir');
    const consumer = join(tmp, 'consumer.ts');
    await writeFile(
      consumer,
      [
        "import { bearerAuth, createClient, isInletError } from 'inlet';",
        "import { startTestServer } from 'inlet/testing';",
        'const server = await startTestServer();',
        "const client = createClient({ baseUrl: server.url, auth: bearerAuth('t') });",
        "const { data } = await client.get<{ id: number }>('/items/1');",
        'const id: number = data.id;',
        // Fails if the declarations degraded to `any` (an unresolved import inside them).
        '// @ts-expect-error a number is not a string',
        'const wrong: string = data.id;',
        "// @ts-expect-error 'E_NOPE' is not an error code",
        "isInletError(wrong, 'E_NOPE');",
        "console.log(id, isInletError(new Error('x'), 'E_CONFIG'));",
        'export {};',
      ].join('\n'),
    );
    await writeFile(join(tmp, 'package.json'), '{"type":"module"}');
    const program = ts.createProgram([consumer], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2023,
      types: ['node'],
      strict: true,
      noEmit: true,
      // Checking every dependency's declarations takes 40 s; the @ts-expect-error lines above
      // catch declarations that do not resolve.
      skipLibCheck: true,
    });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
  }, 60_000);
});
