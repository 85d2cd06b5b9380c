import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../cli/program.js';
import { isInletError } from '../errors/errors.js';
import { loadManifest } from '../manifest/load.js';
import { initIntegration } from './scaffold.js';

const schema = JSON.parse(await readFile(new URL('../../schema/inlet.schema.json', import.meta.url), 'utf8'));
const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

function cli() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    run: (...args: string[]) =>
      runCli(['node', 'inlet', ...args], { stdout: (t) => out.push(t), stderr: (t) => err.push(t) }),
  };
}

describe('inlet init <name>', () => {
  let root: string;
  let demo: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'inlet-init-'));
    demo = join(root, 'demo');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('inlet init demo && inlet test demo: ./demo, passing at once (the built CLI, in a fresh folder)', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'init', 'demo'], { cwd: root });
    expect(stdout).toContain('created demo/');
    expect(stdout).toContain('next: inlet test demo');
    expect((await readdir(demo)).sort()).toEqual(['README.md', 'inlet.yaml', 'mapping.yml', 'tests']);
    // `inlet init demo && inlet test demo`, as a user types it: the folder in the current directory.
    const test = await promisify(execFile)(process.execPath, [CLI, 'test', 'demo'], { cwd: root });
    expect(test.stdout.trimEnd().split('\n').at(-1)).toBe('6 passed, 0 failed');
  });

  it('writes a folder whose manifest loads, passes the JSON schema and explains every field', async () => {
    expect(await cli().run('init', 'demo', '--dir', demo)).toBe(0);
    const files = (await readdir(demo, { recursive: true })).sort();
    expect(files).toEqual(
      expect.arrayContaining([
        'inlet.yaml',
        'mapping.yml',
        'README.md',
        'tests/cassettes/project.json',
        'tests/cassettes/task.json',
        'tests/expected.ndjson',
        'tests/settings.yaml',
      ]),
    );
    const loaded = await loadManifest(demo);
    expect(Object.keys(loaded.manifest.resources)).toEqual(['project', 'task']);
    expect(loaded.mappingFile).toMatch(/mapping\.yml$/);

    const raw = parse(await readFile(join(demo, 'inlet.yaml'), 'utf8'));
    const validate = new Ajv2020({ strict: false }).compile(schema);
    expect(validate(raw), JSON.stringify(validate.errors)).toBe(true);

    // Every key of inlet.yaml and mapping.yml is named in some comment line.
    for (const file of [join(demo, 'inlet.yaml'), join(demo, 'mapping.yml')]) {
      const text = await readFile(file, 'utf8');
      const comments = text
        .split('\n')
        .filter((line) => line.trimStart().startsWith('#'))
        .join('\n');
      const keys = new Set(
        [...text.matchAll(/^\s*(?:- )?([A-Za-z_]+):/gm), ...text.matchAll(/[{,] ([A-Za-z_]+):/g)].map(
          (m) => m[1]!,
        ),
      );
      for (const k of keys) expect(comments, `${file}: ${k}`).toMatch(new RegExp(`\\b${k}\\b`));
    }
  });

  it('passes inlet test at once, and fails it naming the property when the mapping changes', async () => {
    expect(await cli().run('init', 'demo', '--dir', demo)).toBe(0);
    const first = cli();
    expect(await first.run('test', demo), first.err.join('')).toBe(0);
    const report = first.out.join('');
    expect(report.trimEnd().split('\n').at(-1)).toBe('6 passed, 0 failed');
    expect(report).toContain('pass  expected-catalog: 7 entities as expected');

    const mapping = join(demo, 'mapping.yml');
    await writeFile(mapping, (await readFile(mapping, 'utf8')).replace('status: .status', 'status: .state'));
    const second = cli();
    expect(await second.run('test', demo)).toBe(1);
    expect(second.out.join('')).toMatch(
      /FAIL\s+expected-catalog: .*demoTask 11: properties\.status: expected "done", got null/,
    );
  });

  it('writes into --dir and uses it in the next step', async () => {
    const { run, out } = cli();
    const dir = join(root, 'nested', 'acme');
    expect(await run('init', 'acme-crm', '--dir', dir)).toBe(0);
    expect(out.join('')).toContain(`next: inlet test ${dir}`);
    const loaded = await loadManifest(dir);
    expect(loaded.manifest.name).toBe('acme-crm');
    expect(loaded.manifest.config?.token?.env).toBe('ACME_CRM_TOKEN');
  });

  it('refuses a non-empty folder in one line and leaves it untouched', async () => {
    await mkdir(demo);
    await writeFile(join(demo, 'notes.txt'), 'mine');
    const { run, err } = cli();
    expect(await run('init', 'demo', '--dir', demo)).toBe(1);
    expect(err).toHaveLength(1);
    expect(err[0]).toBe(
      `E_CONFIG: init: ${demo} already exists and is not empty; nothing written (choose another name or --dir)\n`,
    );
    expect(await readdir(demo)).toEqual(['notes.txt']);
  });

  it('two inits into one folder at once: one writes it all, the other fails in one line and writes nothing', async () => {
    const results = await Promise.allSettled([
      initIntegration('demo', { dir: demo }),
      initIntegration('other', { dir: demo }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(isInletError(lost[0]!.reason, 'E_CONFIG')).toBe(true);
    const winner = (won[0] as PromiseFulfilledResult<{ files: string[] }>).value;
    const { manifest } = await loadManifest(demo);
    // Every file is the winner's: the manifest's name, the mapping's and the expected export's blueprints agree.
    const name = manifest.name;
    expect(['demo', 'other']).toContain(name);
    expect(winner.files).toHaveLength(7);
    // The loser's staging folder is gone; only the integration is left.
    expect(await readdir(root)).toEqual(['demo']);
    expect(await readFile(join(demo, 'mapping.yml'), 'utf8')).toContain(`'"${name}Project"'`);
    expect(await readFile(join(demo, 'tests', 'expected.ndjson'), 'utf8')).toContain(
      `"blueprint":"${name}Project"`,
    );
  });

  it('refuses a --dir that is a file', async () => {
    await writeFile(join(root, 'file'), 'x');
    const { run, err } = cli();
    expect(await run('init', 'demo', '--dir', join(root, 'file'))).toBe(1);
    expect(err).toEqual([
      `E_CONFIG: init: ${join(root, 'file')} exists and is not a folder; nothing written\n`,
    ]);
  });

  it('accepts an empty folder', async () => {
    await mkdir(demo);
    expect(await cli().run('init', 'demo', '--dir', demo)).toBe(0);
    expect(await readdir(demo)).toContain('inlet.yaml');
  });

  it.each(['Demo', 'my_api', '9lives', 'a--b', 'trailing-', '../escape'])(
    'refuses the name %j',
    async (name) => {
      const { run, err } = cli();
      expect(await run('init', name, '--dir', join(root, 'x'))).toBe(1);
      expect(err).toHaveLength(1);
      expect(err[0]).toContain(`E_CONFIG: init: name "${name}" must be kebab-case`);
      expect(await readdir(root)).toEqual([]);
    },
  );
});
