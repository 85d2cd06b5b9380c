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

  it('runs the offline demo to a complete read through faults', async () => {
    const { code, stdout } = await cli(
      '--log-level',
      'silent',
      'demo',
      '--items',
      '40',
      '--fault-rate',
      '0.2',
    );
    expect(code).toBe(0);
    for (const style of ['link', 'nextUrl', 'cursor', 'offset', 'page'])
      expect(stdout).toMatch(new RegExp(`${style} .* 40 +40`));
    expect(stdout).toContain('Every record arrived exactly once.');
    expect(stdout).toMatch(/\d+ retries/);
  });
});
