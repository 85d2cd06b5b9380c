import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog } from '../../catalog/index.js';

/** Built by `npm test`'s pretest (`tsc -p .`). */
const CLI = fileURLToPath(new URL('../../../dist/src/cli/main.js', import.meta.url));

function inlet(
  args: string[],
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, '--log-level', 'warn', ...args], { cwd, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

let dir: string;
let db: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inlet-webhooks-cli-'));
  db = join(dir, 'catalog.db');
  const store = await openCatalog(db);
  try {
    for (let i = 1; i <= 4; i++) {
      await store.addDelivery('hooks', {
        deliveryId: `gh-${i}`,
        kind: 'item',
        body: JSON.stringify({ headers: {}, body: { i } }),
      });
    }
    await store.addDelivery('other', { deliveryId: 'o-1', kind: 'item', body: '{}' });
    const claimed = await store.claimDeliveries('hooks', { limit: 3, claimMs: 60_000 });
    await store.settleDelivery(claimed[0]!.id, { status: 'applied' });
    await store.settleDelivery(claimed[1]!.id, { status: 'dead', error: 'E_MAPPING item: no entity' });
    await store.settleDelivery(claimed[2]!.id, { status: 'stale' });
  } finally {
    await store.close();
  }
  await writeFile(join(dir, 'inlet.yaml'), 'name: hooks\nconnection: { baseUrl: "http://127.0.0.1:1" }\n');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('inlet webhooks list|retry', () => {
  it('--json prints one object per line with exactly the contract keys, newest first', async () => {
    const { code, stdout, stderr } = await inlet(['webhooks', 'list', 'hooks', '--db', db, '--json'], dir);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.deliveryId)).toEqual(['gh-4', 'gh-3', 'gh-2', 'gh-1']);
    for (const line of lines) {
      expect(Object.keys(line)).toEqual([
        'id',
        'deliveryId',
        'kind',
        'status',
        'attempts',
        'receivedAt',
        'appliedAt',
        'error',
      ]);
    }
    expect(lines.map((l) => l.status)).toEqual(['pending', 'stale', 'dead', 'applied']);
    expect(lines[2]).toMatchObject({ attempts: 1, error: 'E_MAPPING item: no entity', kind: 'item' });
    expect(lines[3]?.appliedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('filters by --status and --limit, prints a table by default, and takes a folder for its name', async () => {
    const dead = await inlet(['webhooks', 'list', 'hooks', '--db', db, '--status', 'dead', '--json'], dir);
    expect(
      dead.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).deliveryId),
    ).toEqual(['gh-2']);
    const one = await inlet(['webhooks', 'list', 'hooks', '--db', db, '--limit', '1', '--json'], dir);
    expect(one.stdout.trim().split('\n')).toHaveLength(1);
    const table = await inlet(['webhooks', 'list', dir, '--db', db], dir);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(
      /^id +delivery +kind +status +attempts +received +applied +error$/,
    );
    expect(table.stdout).toMatch(/gh-2 +item +dead +1 .*E_MAPPING item: no entity/);
    expect(table.stdout).toMatch(/\n4 entries\n$/);
    expect(table.stdout).not.toContain('o-1');
  });

  it('retry --dead and retry by id put entries back to pending', async () => {
    const dead = await inlet(['webhooks', 'retry', 'hooks', '--db', db, '--dead'], dir);
    expect(dead).toMatchObject({ code: 0, stdout: '1 entry back to pending\n' });
    const byId = await inlet(['webhooks', 'retry', 'hooks', '1', '3', '--db', db], dir);
    expect(byId).toMatchObject({ code: 0, stdout: '2 entries back to pending\n' });
    const list = await inlet(['webhooks', 'list', 'hooks', '--db', db, '--json'], dir);
    const rows = list.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([
      ['pending', 0],
      ['pending', 0],
      ['pending', 0],
      ['pending', 0],
    ]);
  });

  it.each([
    [
      ['list', 'hooks', '--status', 'done'],
      /^E_CONFIG: --status: "done" is not pending, applied, stale, dead$/,
    ],
    [['list', 'hooks', '--limit', '0'], /^E_CONFIG: --limit: "0" is not a whole number >= 1$/],
    [['retry', 'hooks'], /^E_CONFIG: retry: give entry ids or --dead$/],
    [['retry', 'hooks', '2', '--dead'], /^E_CONFIG: retry: give entry ids or --dead, not both$/],
    [['retry', 'hooks', '2x'], /^E_CONFIG: retry: "2x" is not an entry id/],
  ])('bad input %j: one line, a stable code, exit 1', async (args, line) => {
    const { code, stdout, stderr } = await inlet(['webhooks', ...args, '--db', db], dir);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr.trim()).toMatch(line);
  });

  it('a catalog that does not exist is refused, not created', async () => {
    const missing = join(dir, 'nope.db');
    const { code, stderr } = await inlet(['webhooks', 'list', 'hooks', '--db', missing], dir);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^E_CATALOG/);
  });
});
