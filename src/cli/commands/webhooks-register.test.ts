import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type GithubSimulator, startSimulator } from '../../../integrations/github/simulator/start.js';
import { type JiraSimulator, startJiraSimulator } from '../../../integrations/jira/simulator/start.js';

/** Built by `npm test`'s pretest (`tsc -p .`). */
const CLI = fileURLToPath(new URL('../../../dist/src/cli/main.js', import.meta.url));
const SECRET = 'whsec-cli-never-shown-7d2a';

function inlet(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // trace: every log line the verb can write, so a leaked secret would show.
  const child = spawn(process.execPath, [CLI, '--log-level', 'trace', '--log-format', 'json', ...args], {
    stdio: 'pipe',
    env: { ...process.env, GITHUB_WEBHOOK_SECRET: SECRET, JIRA_WEBHOOK_SECRET: SECRET },
  });
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

describe('inlet webhooks register', () => {
  let sim: GithubSimulator | JiraSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('github: created per org, then exists; the secret reaches GitHub and never the output', async () => {
    const github = await startSimulator({ size: { orgs: 2, reposPerOrg: 1, prsPerRepo: 0 } });
    sim = github;
    const args = [
      'webhooks',
      'register',
      'github',
      '--public-url',
      'https://hooks.example.test',
      ...github.settings.flatMap((s) => ['--set', s]),
    ];
    const first = await inlet(args);
    expect(first.stdout).toBe('org=acme: created\norg=globex: created\n');
    expect(first.code).toBe(0);
    const second = await inlet(args);
    expect(second.stdout).toBe('org=acme: exists\norg=globex: exists\n');
    expect(second.code).toBe(0);
    expect(github.hooks.hooks.map((h) => h.config.secret)).toEqual([SECRET, SECRET]);
    expect(first.stderr).toMatch(/POST/);
    for (const out of [first, second]) expect(out.stdout + out.stderr).not.toContain(SECRET);
  });

  it('jira without Administer Jira: exit 1 naming the right, nothing created, no secret shown', async () => {
    const jira = await startJiraSimulator({ size: { projects: 1, issuesPerProject: 0 }, administer: false });
    sim = jira;
    const out = await inlet([
      'webhooks',
      'register',
      'jira',
      '--public-url',
      'https://hooks.example.test',
      ...jira.settings.flatMap((s) => ['--set', s]),
    ]);
    expect(out.code).toBe(1);
    expect(out.stdout).toBe(
      'missing right: Administer Jira (the global ADMINISTER permission) (.permissions.ADMINISTER.havePermission is false)\n',
    );
    expect(jira.webhooks.calls).toEqual(['GET /rest/api/3/mypermissions']);
    expect(out.stdout + out.stderr).not.toContain(SECRET);
  });

  it('a bad --public-url is one E_CONFIG line and exit 2-or-1, before any request', async () => {
    const github = await startSimulator({ size: { orgs: 1, reposPerOrg: 1, prsPerRepo: 0 } });
    sim = github;
    const out = await inlet([
      'webhooks',
      'register',
      'github',
      '--public-url',
      'hooks.example.test',
      ...github.settings.flatMap((s) => ['--set', s]),
    ]);
    expect(out.code).not.toBe(0);
    expect(out.stderr.trim().split('\n').at(-1)).toBe(
      'E_CONFIG: --public-url: "hooks.example.test" is not an absolute URL',
    );
    expect(github.hooks.calls).toEqual([]);
  });
});
