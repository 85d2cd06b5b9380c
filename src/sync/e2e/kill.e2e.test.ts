import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../catalog/index.js';
import { readCatalog } from '../../testing/catalog.js';
import { seededRandom } from '../../testing/prng.js';
import { syncIntegration } from '../sync-integration.js';
import {
  exportLine,
  FIXTURE_DIR,
  fixtureSettings,
  startTestApi,
  type TestApi,
  type TestData,
} from './test-api.js';

/** Built by `npm test`'s pretest (`tsc -p .`). */
const CLI = fileURLToPath(new URL('../../../dist/src/cli/main.js', import.meta.url));
const TRIALS = 10;
/** Per-request delay while a sync is to be killed: makes the CLI's sync last ~1–2 s. */
const SLOW_MS = 60;

interface CliRun {
  /** Milliseconds from the run's first request to its exit. */
  busyMs: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Runs `inlet sync` on the fixture as a child process; with `killAfterMs`, sends SIGKILL that long after
 * the run's first request reached the API (so the run has started and holds a `running` row).
 */
async function cliSync(api: TestApi, db: string, killAfterMs?: number): Promise<CliRun> {
  const args = [CLI, 'sync', FIXTURE_DIR, '--db', db, '--log-level', 'silent'];
  for (const s of fixtureSettings(api)) args.push('--set', s);
  const hitsBefore = api.hits.length;
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => {
    running = false;
  });
  while (running && api.hits.length === hitsBefore) await sleep(2);
  const firstHit = Date.now();
  if (killAfterMs !== undefined && running) {
    await Promise.race([sleep(killAfterMs), exited]);
    if (running) child.kill('SIGKILL');
  }
  await exited;
  return { busyMs: Date.now() - firstHit, code: child.exitCode, signal: child.signalCode, stderr };
}

/** Upstream B: A with three tasks gone, a project renamed and a label added. */
function variantB(a: TestData): TestData {
  const b = structuredClone(a);
  const kept = b.tasks.filter((t) => t.status !== 'archived' && t.project_id.startsWith('beta-'));
  const gone = new Set(kept.slice(0, 3).map((t) => t.id));
  b.tasks = b.tasks.filter((t) => !gone.has(t.id));
  const project = b.projects.find((p) => p.org === 'gamma');
  if (project) project.name = `${project.name} (renamed)`;
  b.labels.push({ id: 99, name: 'label-99', color: 'purple' });
  return b;
}

const exportOf = async (db: string) => (await readCatalog(db)).map(exportLine);

describe('a sync killed with SIGKILL at any moment', () => {
  let api: TestApi;
  let dir: string;
  beforeAll(async () => {
    api = await startTestApi({ seed: 11 });
    dir = await mkdtemp(join(tmpdir(), 'inlet-e2e-kill-'));
  });
  afterAll(async () => {
    await api?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is completed by the next run to the same export as a clean run, and is recorded as aborted', async () => {
    const a = structuredClone(api.data);
    const b = variantB(a);

    // Clean references: A through the CLI (which also measures how long a slow sync takes), B in-process.
    api.delayMs = SLOW_MS;
    const calibration = await cliSync(api, join(dir, 'clean-a.db'));
    expect(calibration.code, calibration.stderr).toBe(0);
    api.delayMs = 0;
    const clean = { a: await exportOf(join(dir, 'clean-a.db')), b: [] as string[] };
    api.data = structuredClone(b);
    await syncIntegration(FIXTURE_DIR, { set: fixtureSettings(api), db: join(dir, 'clean-b.db') });
    clean.b = await exportOf(join(dir, 'clean-b.db'));
    expect(clean.b).not.toEqual(clean.a);

    // One catalog through all trials; upstream alternates A, B, A, … so every killed run has work to do.
    const db = join(dir, 'killed.db');
    const random = seededRandom(2024);
    let killed = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const variant = trial % 2 === 0 ? 'a' : 'b';
      api.data = structuredClone(variant === 'a' ? a : b);
      api.delayMs = SLOW_MS;
      const at = Math.floor(random() * calibration.busyMs * 0.8);
      const victim = await cliSync(api, db, at);
      api.delayMs = 0;
      const wasKilled = victim.signal === 'SIGKILL';
      if (wasKilled) killed++;
      else expect(victim.code, `trial ${trial} exited on its own: ${victim.stderr}`).toBe(0);

      const summary = await syncIntegration(FIXTURE_DIR, { set: fixtureSettings(api), db });
      expect(summary.status, `trial ${trial} (kill at ${at} ms)`).toBe('succeeded');
      expect(await exportOf(db), `trial ${trial} (kill at ${at} ms)`).toEqual(clean[variant]);

      const catalog = await openCatalog(db);
      const [completion, victimRun] = await catalog.listRuns('e2e', 2);
      await catalog.close();
      expect(completion?.id).toBe(summary.runId);
      expect(victimRun?.status, `trial ${trial} (kill at ${at} ms)`).toBe(
        wasKilled ? 'aborted' : 'succeeded',
      );
    }
    // The kill moments are drawn inside the measured duration, so nearly all land mid-run.
    expect(killed).toBeGreaterThanOrEqual(TRIALS - 2);
  }, 180_000);
});
