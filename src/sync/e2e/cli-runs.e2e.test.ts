import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog } from '../../catalog/index.js';
import { NDL_MANIFEST, type NdlApi, startNdlApi } from './no-data-loss-api.js';

/** Built by `npm test`'s pretest (`tsc -p .`). */
const CLI = fileURLToPath(new URL('../../../dist/src/cli/main.js', import.meta.url));

interface Done {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function start(args: string[], cwd: string): { child: ChildProcess; done: Promise<Done> } {
  const child = spawn(process.execPath, [CLI, '--log-level', 'warn', ...args], { cwd, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<Done>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

const inlet = (args: string[], cwd: string) => start(args, cwd).done;

describe('inlet sync and inlet catalog around runs (CLI, issue 7)', () => {
  let api: NdlApi;
  let dir: string;
  let db: string;
  const syncArgs = (...extra: string[]) => ['sync', dir, '--set', `baseUrl=${api.url}`, '--db', db, ...extra];

  beforeEach(async () => {
    api = await startNdlApi();
    dir = await mkdtemp(join(tmpdir(), 'inlet-cli-runs-'));
    db = join(dir, 'catalog.db');
    await writeFile(join(dir, 'inlet.yaml'), NDL_MANIFEST);
  });
  afterEach(async () => {
    await api.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('--no-wait refuses at once with one line naming the running run, its holder and heartbeat', async () => {
    api.knobs.delayMs = 200;
    const first = start(syncArgs(), dir);
    while (api.requests.length < 2) await new Promise((r) => setTimeout(r, 10));
    const second = await inlet(syncArgs('--no-wait'), dir);
    expect(second.code).toBe(1);
    const line = second.stderr.split('\n')[0];
    expect(line).toMatch(
      new RegExp(
        `^E_BUSY: run 1 of ndl \\(holder ${first.child.pid}@\\S+, last heartbeat \\d{4}-\\d\\d-\\d\\dT`,
      ),
    );
    api.knobs.delayMs = 0;
    expect((await first.done).code).toBe(0);
  }, 60_000);

  it('a run killed with kill -9 is taken over at once on the same host and marked aborted', async () => {
    api.knobs.delayMs = 30;
    const victim = start(syncArgs(), dir);
    while (api.requests.length < 4) await new Promise((r) => setTimeout(r, 10));
    victim.child.kill('SIGKILL');
    expect((await victim.done).signal).toBe('SIGKILL');
    api.knobs.delayMs = 0;
    const next = await inlet(syncArgs('--no-wait'), dir);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(/took over the lease of run 1/);
    const runs = await inlet(['catalog', 'runs', '--db', db, '--json'], dir);
    const parsed = JSON.parse(runs.stdout) as Array<{ id: number; status: string; detail: string }>;
    expect(parsed.map((r) => [r.id, r.status])).toEqual([
      [2, 'succeeded'],
      [1, 'aborted'],
    ]);
    expect(parsed[1]?.detail).toMatch(/holder is dead/);
  }, 60_000);

  it('catalog runs --json shows per-kind status, counts and the error code of a failed kind', async () => {
    expect((await inlet(syncArgs(), dir)).code).toBe(0);
    const manifest = NDL_MANIFEST.replace('request: { path: /items }', 'request: { path: /itemz }');
    await writeFile(join(dir, 'inlet.yaml'), manifest);
    const failed = await inlet(syncArgs('--full'), dir);
    expect(failed.code).toBe(1);
    expect(failed.stderr, failed.stderr).toMatch(/^E_NOT_FOUND item GET /m);
    const { stdout, code } = await inlet(['catalog', 'runs', '--db', db, '--json'], dir);
    expect(code).toBe(0);
    const [run] = JSON.parse(stdout) as Array<{
      status: string;
      errorCode: string;
      kindResults: Array<{ kind: string; status: string; records: number; errorCode?: string }>;
    }>;
    expect(run?.status).toBe('failed');
    expect(run?.errorCode).toBe('E_NOT_FOUND');
    const byKind = Object.fromEntries(run!.kindResults.map((k) => [k.kind, k]));
    expect(byKind.item).toMatchObject({ status: 'failed', errorCode: 'E_NOT_FOUND', deleted: 0 });
    expect(byKind.task).toMatchObject({ status: 'succeeded', records: 50, unchanged: 50 });
    // Nothing of the failed kind's blueprint was deleted.
    const catalog = await openCatalog(db);
    let items = 0;
    for await (const _ of catalog.exportEntities({ blueprint: 'item' })) items++;
    await catalog.close();
    expect(items).toBe(200);
    const table = await inlet(['catalog', 'runs', '--db', db], dir);
    expect(table.stdout).toMatch(/item failed E_NOT_FOUND/);
  }, 60_000);

  it('read-only verbs on a path with no catalog fail without creating one', async () => {
    for (const verb of ['list', 'export', 'runs']) {
      const result = await inlet(['catalog', verb, '--db', 'typo.db'], dir);
      expect(result.code).toBe(1);
      expect(result.stderr.split('\n')[0]).toMatch(/^E_CATALOG: .*no catalog at typo\.db/);
    }
    expect(existsSync(join(dir, 'typo.db'))).toBe(false);
  }, 60_000);

  it('prints every manifest issue on its own line', async () => {
    const broken = NDL_MANIFEST.replace(
      'request: { path: /items }',
      'request: { path: /items, bogus: 1 }',
    ).replace('parent: project', 'parent: projekt');
    await writeFile(join(dir, 'inlet.yaml'), broken.replace('concurrency: 4', 'concurrency: -1'));
    const result = await inlet(syncArgs(), dir);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.every((l) => /^E_CONFIG: \S*inlet\.yaml:\d+: /.test(l))).toBe(true);
    expect(result.stderr).toMatch(/connection\.concurrency/);
    expect(result.stderr).toMatch(/resources\.item\.request\.bogus: unknown key/);
    expect(api.requests).toEqual([]);
  }, 60_000);
});

describe('a jq mapping that never ends (issue 8)', () => {
  let api: NdlApi;
  let dir: string;
  beforeEach(async () => {
    api = await startNdlApi();
    dir = await mkdtemp(join(tmpdir(), 'inlet-cli-loop-'));
    const looping = NDL_MANIFEST.replace(
      'identifier: ".id | tostring", title: .name, blueprint: \'"item"\'',
      'identifier: ".id | tostring", title: \'last(repeat(1)) | tostring\', blueprint: \'"item"\'',
    ).replace('mapping:\n  deletionThreshold: 0.95', 'mapping:\n  timeout: 1h\n  deletionThreshold: 0.95');
    await writeFile(join(dir, 'inlet.yaml'), looping);
  });
  afterEach(async () => {
    await api.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('Ctrl-C ends the run at once although the page limit is an hour, and the run is aborted', async () => {
    const db = join(dir, 'catalog.db');
    const run = start(['sync', dir, '--set', `baseUrl=${api.url}`, '--db', db], dir);
    while (!api.requests.some((r) => r.startsWith('/items'))) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 500));
    const sent = Date.now();
    run.child.kill('SIGINT');
    const done = await run.done;
    // A frozen event loop would ignore SIGINT until the hour passed; 10 s is slack for a loaded machine.
    expect(Date.now() - sent).toBeLessThan(10_000);
    expect(done.code).not.toBe(0);
    const catalog = await openCatalog(db);
    const [latest] = await catalog.listRuns('ndl', 1);
    await catalog.close();
    expect(latest?.status).toBe('aborted');
  }, 60_000);
});
