import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openCatalog } from '../../catalog/index.js';
import { readCatalog } from '../../testing/catalog.js';
import { syncIntegration } from '../sync-integration.js';
import { FIXTURE_DIR, fixtureSettings, startTestApi, type TestApi } from './test-api.js';

/** Built by `npm test`'s pretest (`tsc -p .`). */
const CLI = fileURLToPath(new URL('../../../dist/src/cli/main.js', import.meta.url));

let api: TestApi | undefined;
let dir: string;

afterEach(async () => {
  await api?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('Ctrl-C during inlet sync', () => {
  it('marks the run aborted, deletes nothing, and exits non-zero', async () => {
    api = await startTestApi();
    dir = await mkdtemp(join(tmpdir(), 'inlet-abort-'));
    const db = join(dir, 'catalog.db');
    await syncIntegration(FIXTURE_DIR, { set: fixtureSettings(api), db });
    const before = await readCatalog(db);

    // Upstream loses most labels; an aborted run must not act on that.
    api.data.labels = api.data.labels.slice(0, 1);
    api.delayMs = 40;
    const args = [CLI, 'sync', FIXTURE_DIR, '--db', db, '--log-level', 'silent'];
    for (const s of fixtureSettings(api)) args.push('--set', s);
    const hitsBefore = api.hits.length;
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    while (api.hits.length < hitsBefore + 3) await sleep(5);
    child.kill('SIGINT');
    const code = await exited;

    expect(code).not.toBe(0);
    expect(stderr).toContain('aborting');
    const store = await openCatalog(db);
    try {
      const [latest] = await store.listRuns('e2e', 1);
      expect(latest?.status).toBe('aborted');
      expect(latest?.counts.deleted).toBe(0);
    } finally {
      await store.close();
    }
    expect((await readCatalog(db)).map((e) => e.identifier)).toEqual(before.map((e) => e.identifier));
  });
});
