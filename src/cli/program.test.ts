import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageInfo } from './package-info.js';
import { runCli } from './program.js';

async function cli(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['node', 'inlet', ...args], {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
  });
  return { code, stdout, stderr };
}

describe('inlet CLI', () => {
  it('prints its version', async () => {
    const { code, stdout } = await cli('--version');
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(packageInfo().version);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('prints help listing its commands and common options', async () => {
    const { code, stdout } = await cli('--help');
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: inlet');
    expect(stdout).toContain('demo');
    expect(stdout).toContain('--log-level');
  });

  it('rejects an unknown command with a non-zero exit and one line on stderr', async () => {
    const { code, stderr } = await cli('frobnicate');
    expect(code).not.toBe(0);
    expect(stderr.split('\n')[0]).toMatch(/unknown command 'frobnicate'/);
  });

  it('runs the offline demo: the GitHub simulator synced into a catalog, then the summary and a sample', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'inlet-demo-'));
    try {
      const db = join(dir, 'demo.db');
      const { code, stdout } = await cli('--log-level', 'silent', 'demo', '--db', db, '--fault-rate', '0.1');
      expect(code).toBe(0);
      expect(stdout).toMatch(/run 1 succeeded: \d+ records, \d+ upserted/);
      for (const kind of ['organization', 'repository', 'pull-request'])
        expect(stdout).toMatch(new RegExp(`${kind} +succeeded`));
      expect(stdout).toMatch(/githubRepository +\S+\/\S+ .*organization → /);
      expect(stdout).toMatch(/githubPullRequest +\S+#\d+ .*repository → /);
      expect(stdout).not.toMatch(/token=(?!\*\*\*)/);
      // A second run over the same catalog rewrites nothing.
      const again = await cli('--log-level', 'silent', 'demo', '--db', db, '--fault-rate', '0');
      expect(again.stdout).toMatch(/run 2 succeeded: (\d+) records, 0 upserted, \1 unchanged/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
