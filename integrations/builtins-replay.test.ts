/** The four built-ins pass `inlet test <name>` offline from their committed cassettes (issue 10, through the built CLI). */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
const CHECKS = [
  'expected-catalog',
  'idempotent-resync',
  'faults-tolerated',
  'no-delete-on-failure',
  'entities-complete',
  'incremental-forward',
];

describe('inlet test <built-in> (committed cassettes, offline)', () => {
  let cwd: string;
  beforeAll(async () => {
    // An empty working directory: the name resolves to the built-in, and no ./inlet.db is touched.
    cwd = await mkdtemp(join(tmpdir(), 'inlet-builtins-'));
  });
  afterAll(() => rm(cwd, { recursive: true, force: true }));

  it.each(['github', 'jira', 'octopus', 'rapidpro'])(
    '%s passes every check',
    async (name) => {
      const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
        (resolve) =>
          execFile(
            process.execPath,
            [CLI, '--log-level', 'error', 'test', name, '--json'],
            { cwd, env: { PATH: process.env.PATH } },
            (error, out, err) => resolve({ code: error ? 1 : 0, stdout: out, stderr: err }),
          ),
      );
      const results = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { check: string; passed: boolean; reason: string });
      expect(results.filter((r) => !r.passed)).toEqual([]);
      expect(results.map((r) => r.check)).toEqual(CHECKS);
      expect(stderr).toBe('6 passed, 0 failed\n');
      expect(code).toBe(0);
    },
    120_000,
  );
});
