/**
 * Acceptance of issue 10 through the built CLI (dist/src/cli/main.js): record GitHub from its
 * simulator, replay offline, and break the copy in the ways integrations break.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GithubSimulator, startSimulator } from '../../../integrations/github/simulator/start.js';

const CLI = fileURLToPath(new URL('../../../dist/src/cli/main.js', import.meta.url));

function inlet(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, '--log-level', 'error', ...args], { cwd }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('inlet record github --out DIR, then inlet test DIR offline', () => {
  let sim: GithubSimulator;
  let root: string;
  let dir: string;
  let token: string;
  beforeAll(async () => {
    sim = await startSimulator({ size: { orgs: 2, reposPerOrg: 3, prsPerRepo: 2, maxPerPage: 2 } });
    token = sim.settings.find((s) => s.startsWith('token='))!.slice('token='.length);
    root = await mkdtemp(join(tmpdir(), 'inlet-record-'));
    dir = join(root, 'my-github');
    const sets = sim.settings.flatMap((s) => ['--set', s]);
    const recorded = await inlet(['record', 'github', '--out', dir, ...sets], root);
    expect(recorded.stderr).toBe('');
    expect(recorded.code).toBe(0);
    // Offline from here on: nothing may reach the simulator.
    await sim.close();
  });
  afterAll(async () => {
    await sim.close();
    await rm(root, { recursive: true, force: true });
  });

  /** A copy of the recording with `edit` applied to one of its files. */
  async function variant(name: string, file: string, edit: (text: string) => string): Promise<string> {
    const copy = join(root, name);
    await cp(dir, copy, { recursive: true });
    const path = join(copy, file);
    const before = await readFile(path, 'utf8');
    const after = edit(before);
    expect(after).not.toBe(before);
    await writeFile(path, after);
    return copy;
  }

  it('writes the integration and tests/, and the token occurs in no file in any encoding', async () => {
    const files = (await readdir(dir, { recursive: true })).sort();
    expect(files).toEqual(
      expect.arrayContaining([
        'inlet.yaml',
        'mapping.yml',
        'README.md',
        join('tests', 'cassettes', 'organization.json'),
        join('tests', 'cassettes', 'repository.json'),
        join('tests', 'cassettes', 'pull-request.json'),
        join('tests', 'expected.ndjson'),
        join('tests', 'settings.yaml'),
      ]),
    );
    const forms = [
      token,
      encodeURIComponent(token),
      Buffer.from(token).toString('base64'),
      Buffer.from(token).toString('base64').replace(/=+$/, ''),
      Buffer.from(token).toString('base64url'),
      Buffer.from(`x-access-token:${token}`).toString('base64'),
    ];
    for (const file of files) {
      const text = await readFile(join(dir, file), 'utf8').catch(() => '');
      for (const form of forms) expect(text.includes(form), `${form} in ${file}`).toBe(false);
    }
  });

  it('passes every check offline, and says so per check and in the last line', async () => {
    const result = await inlet(['test', dir], root);
    expect(result.code).toBe(0);
    for (const check of [
      'expected-catalog',
      'idempotent-resync',
      'faults-tolerated',
      'no-delete-on-failure',
      'entities-complete',
      'incremental-forward',
    ]) {
      expect(result.stdout).toMatch(new RegExp(`^pass {2}${check}: `, 'm'));
    }
    expect(result.stdout.trim().split('\n').at(-1)).toBe('6 passed, 0 failed');
  });

  it('--json prints one object per check', async () => {
    const result = await inlet(['test', dir, '--json', '--faults', '429:0.3,503:0.1,seed:4'], root);
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { check: string; passed: boolean });
    expect(lines).toHaveLength(6);
    expect(lines.every((l) => l.passed)).toBe(true);
    expect(result.stderr).toContain('6 passed, 0 failed');
  });

  it('refuses to record a built-in into the installed package', async () => {
    const result = await inlet(['record', 'github', '--set', 'orgs=acme'], root);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^E_CONFIG: record: github is part of the installed inlet package; pass --out DIR/m,
    );
  });

  it('a changed mapped property fails expected-catalog with a diff naming it', async () => {
    const copy = await variant('changed', 'mapping.yml', (t) =>
      t.replace('stars: .stargazers_count', 'stars: .forks_count'),
    );
    const result = await inlet(['test', copy], root);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^FAIL {2}expected-catalog: \d+ differences: githubRepository [\w/-]+: properties\.stars: expected \d+, got \d+/m,
    );
    expect(result.stdout).toMatch(/^5 passed, 1 failed$/m);
  });

  it('a wrong records path fails, naming the records path', async () => {
    const copy = await variant('records', 'inlet.yaml', (t) =>
      t.replace(
        '    paginate: { type: link }\n  pull-request:',
        '    paginate: { type: link }\n    records: .items\n  pull-request:',
      ),
    );
    const result = await inlet(['test', copy], root);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      // Every recorded repository response (tests/cassettes/repository.json holds 4) gave none.
      /^FAIL {2}expected-catalog: kind repository: 4 responses gave 0 records \(records: \.items\)/m,
    );
  });

  it('a pagination that loops fails, naming the loop', async () => {
    // The API (as recorded) sends a next link back to the first page.
    const copy = await variant('loop', join('tests', 'cassettes', 'repository.json'), (t) =>
      t.replace(
        '/organizations/9000000/repos?type=all&per_page=100&page=2>; rel=\\"next\\"',
        '/orgs/acme/repos?type=all&per_page=100>; rel=\\"next\\"',
      ),
    );
    const result = await inlet(['test', copy], root);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^FAIL {2}expected-catalog: kind repository partial: was cut short: pagination loop at GET/m,
    );
  });

  it('a pagination the cassettes do not hold fails with the request and the closest recorded one', async () => {
    const copy = await variant('page', 'inlet.yaml', (t) =>
      t.replace(
        'query: { type: "{config.repoType}", per_page: 100 }\n    paginate: { type: link }',
        'query: { type: "{config.repoType}", per_page: 100 }\n    paginate: { type: page, param: page }',
      ),
    );
    const result = await inlet(['test', copy], root);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /no recorded interaction for GET \/orgs\/acme\/repos\?page=1&per_page=100&type=all \(closest recorded: GET \/orgs\/acme\/repos\?per_page=100&type=all, kind repository\)/,
    );
  });

  it('a mapping that yields no identifier fails entities-complete, naming the program', async () => {
    const copy = await variant('identifier', 'mapping.yml', (t) =>
      t.replace('identifier: .full_name', 'identifier: .fullname'),
    );
    const result = await inlet(['test', copy], root);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^FAIL {2}entities-complete: kind repository: \d+ of \d+ records skipped: identifier or blueprint evaluated to null or "" \(identifier: \.fullname\)/m,
    );
  });

  it('--update rewrites expected.ndjson so the changed mapping passes', async () => {
    const copy = await variant('update', 'mapping.yml', (t) =>
      t.replace('stars: .stargazers_count', 'stars: .forks_count'),
    );
    const updated = await inlet(['test', copy, '--update'], root);
    expect(updated.stdout).toMatch(/^pass {2}expected-catalog: rewrote .*expected\.ndjson \(\d+ entities\)/m);
    const again = await inlet(['test', copy], root);
    expect(again.code).toBe(0);
  });
});
