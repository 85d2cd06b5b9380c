/**
 * `inlet init gh --from-openapi` on GitHub's own OpenAPI description (integrations/github/fixtures,
 * @octokit/openapi 23.0.2, MIT), then a sync of the GitHub simulator with the derived manifest.
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  type GithubSimulator,
  SIMULATOR_TOKEN,
  startSimulator,
} from '../../integrations/github/simulator/start.js';
import { runCli } from '../cli/program.js';
import { loadManifest } from '../manifest/load.js';
import { syncIntegration } from '../sync/sync-integration.js';
import { readCatalog } from '../testing/catalog.js';

const SPEC = fileURLToPath(
  new URL('../../integrations/github/fixtures/github-openapi.json', import.meta.url),
);
const schema = JSON.parse(await readFile(new URL('../../schema/inlet.schema.json', import.meta.url), 'utf8'));

describe('inlet init gh --from-openapi <GitHub description>', () => {
  let root: string;
  let dir: string;
  let out: string;
  let sim: GithubSimulator;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'inlet-init-gh-'));
    dir = join(root, 'gh');
    const lines: string[] = [];
    const code = await runCli(['node', 'inlet', 'init', 'gh', '--dir', dir, '--from-openapi', SPEC], {
      stdout: (t) => lines.push(t),
      stderr: (t) => lines.push(t),
    });
    out = lines.join('');
    expect(code, out).toBe(0);
    sim = await startSimulator({ seed: 4, size: { orgs: 2, reposPerOrg: 7, prsPerRepo: 5, maxPerPage: 3 } });
  });
  afterAll(async () => {
    await sim?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('reads repositories and pull requests with link pagination, pull requests under repositories', async () => {
    const { manifest } = await loadManifest(dir, { set: ['org=acme'] });
    expect(Object.keys(manifest.resources)).toEqual(['repository', 'pull-request', 'org-hook']);
    const { repository, 'pull-request': pulls } = manifest.resources;
    expect(repository?.paginate).toEqual({ type: 'link' });
    expect(repository?.for).toEqual({ org: '{config.org}' });
    expect(repository?.request).toEqual({ path: '/orgs/{org}/repos', query: { per_page: 100 } });
    expect(pulls?.paginate).toEqual({ type: 'link' });
    expect(pulls?.parent).toBe('repository');
    // {owner} is the repository's owner object (its login), {repo} the repository's own name.
    expect(pulls?.request.path).toBe('/repos/{parent.owner.login}/{parent.name}/pulls');
    expect(pulls?.for).toBeUndefined();
    // No securitySchemes in GitHub's description: an optional bearer token.
    expect(manifest.config?.token).toMatchObject({ type: 'secret', required: false });
    expect(manifest.connection.auth).toEqual({
      type: 'bearer',
      token: '{config.token}',
      when: '{config.token}',
    });
    expect(manifest.config?.baseUrl).toMatchObject({ type: 'url', default: 'https://api.github.com' });
    expect(manifest.config?.org).toMatchObject({ type: 'list', required: true });
    const mapping = manifest.mapping?.resources.map((r) => [r.kind, r.port.entity.mappings.identifier]);
    expect(mapping).toEqual([
      ['repository', '.full_name'],
      ['pull-request', '.id'],
      ['org-hook', '.id'],
    ]);
    expect(manifest.mapping?.resources[1]?.port.entity.mappings.relations).toEqual({
      repository: '$parent.full_name',
    });
  });

  it('is accepted by the published JSON schema', async () => {
    const raw = parse(await readFile(join(dir, 'inlet.yaml'), 'utf8'));
    const validate = new Ajv2020({ strict: false }).compile(schema);
    expect(validate(raw), JSON.stringify(validate.errors)).toBe(true);
  });

  it('marks every undecided point in the file and lists the same points at the end of its output', async () => {
    const text = await readFile(join(dir, 'inlet.yaml'), 'utf8');
    const marked = text.split('\n').filter((l) => l.includes('# TODO(inlet):'));
    expect(marked.length).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/# TODO\(inlet\): \{org\} is supplied by no list operation[^\n]*\n\s+org:/);
    expect(text).toMatch(/# TODO\(inlet\): no securitySchemes[^\n]*\n\s+auth:/);
    const listed = out.split('\n').filter((l) => l.trimStart().startsWith('TODO(inlet)'));
    expect(out).toContain(`${listed.length} TODO(inlet) to review:`);
    for (const line of marked) {
      const todo = line.split('# TODO(inlet): ')[1]!;
      expect(listed.some((l) => l.endsWith(todo))).toBe(true);
    }
    expect(listed.at(-1)).toBe(out.trimEnd().split('\n').at(-1));
  });

  it('syncs every repository and open pull request of the GitHub simulator', async () => {
    const db = join(root, 'gh.db');
    const orgs = sim.data.orgs.map((o) => o.login).join(',');
    const summary = await syncIntegration(dir, {
      set: [`baseUrl=${sim.url}`, `token=${SIMULATOR_TOKEN}`, `org=${orgs}`],
      db,
      // The simulator serves no /orgs/{org}/hooks (an admin-only list).
      kinds: ['repository', 'pull-request'],
    });
    expect(summary.kinds.map((k) => [k.kind, k.status])).toEqual([
      ['repository', 'succeeded'],
      ['pull-request', 'succeeded'],
      ['org-hook', 'skipped'],
    ]);
    const entities = await readCatalog(db);
    const repos = entities
      .filter((e) => e.blueprint === 'ghRepository')
      .map((e) => e.identifier)
      .sort();
    expect(repos).toEqual(sim.data.repos.map((r) => r.fullName).sort());
    const pulls = entities.filter((e) => e.blueprint === 'ghPullRequest');
    const open = sim.data.pulls.filter((p) => p.state === 'open');
    expect(pulls).toHaveLength(open.length);
    expect(open.length).toBeGreaterThan(0);
    expect(pulls.map((p) => p.relations.repository).sort()).toEqual(open.map((p) => p.repo).sort());
    // More than one page of both lists: the Link header was followed.
    expect(sim.requests.some((r) => /\/repos\?.*page=2/.test(r))).toBe(true);
    expect(sim.requests.some((r) => /\/pulls\?.*page=2/.test(r))).toBe(true);
  });

  it('records from the simulator and then passes inlet test offline', async () => {
    const io = () => {
      const lines: string[] = [];
      return { lines, io: { stdout: (t: string) => lines.push(t), stderr: (t: string) => lines.push(t) } };
    };
    const orgs = sim.data.orgs.map((o) => o.login).join(',');
    const record = io();
    const sets = ['--set', `baseUrl=${sim.url}`, '--set', `token=${SIMULATOR_TOKEN}`, '--set', `org=${orgs}`];
    const code = await runCli(
      ['node', 'inlet', 'record', dir, ...sets, '--kinds', 'repository,pull-request'],
      record.io,
    );
    expect(code, record.lines.join('')).toBe(0);
    for (const file of await readdir(dir, { recursive: true })) {
      const path = join(dir, file);
      if ((await stat(path)).isFile())
        expect(await readFile(path, 'utf8'), file).not.toContain(SIMULATOR_TOKEN);
    }
    expect(await readdir(join(dir, 'tests', 'cassettes'))).toEqual(['pull-request.json', 'repository.json']);
    const test = io();
    expect(await runCli(['node', 'inlet', 'test', dir], test.io), test.lines.join('')).toBe(0);
    expect(test.lines.join('').trimEnd().split('\n').at(-1)).toMatch(/^\d+ passed, 0 failed$/);
  });
});
