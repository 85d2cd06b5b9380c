import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { StoredEntity } from '../../src/catalog/index.js';
import { loadManifest } from '../../src/manifest/load.js';
import { checkConnection } from '../../src/sync/check-connection.js';
import { openIntegration } from '../../src/sync/open-integration.js';
import type { FaultKind } from '../../src/testing/faults.js';
import { startBuiltInSimulator, syncToTempCatalog } from '../../src/testing/harness.js';
import type { GithubData } from './simulator/data.js';
import { startSimulator } from './simulator/start.js';

const DIR = dirname(fileURLToPath(import.meta.url));

interface Filters {
  repoType?: 'all' | 'public' | 'private' | 'forks' | 'sources';
  prState?: 'open' | 'closed' | 'all';
  anonymous?: boolean;
}

/** What the default mapping should make of the simulator's data, computed from the records, not counted by hand. */
function expected(data: GithubData, filters: Filters = {}) {
  const type = filters.repoType ?? 'all';
  const state = filters.prState ?? 'open';
  const repos = data.repos.filter(
    (r) =>
      (!filters.anonymous || !r.private) &&
      (type === 'all' ||
        (type === 'public' && !r.private) ||
        (type === 'private' && r.private) ||
        (type === 'forks' && r.fork) ||
        (type === 'sources' && !r.fork)),
  );
  const names = new Set(repos.map((r) => r.fullName));
  const pulls = data.pulls.filter((p) => names.has(p.repo) && (state === 'all' || p.state === state));
  const line = (blueprint: string, identifier: string, relations: Record<string, string>) =>
    JSON.stringify({ blueprint, identifier, relations });
  return [
    ...data.orgs.map((o) => line('githubOrganization', o.login, {})),
    ...repos.map((r) => line('githubRepository', r.fullName, { organization: r.org })),
    ...pulls.map((p) => line('githubPullRequest', `${p.repo}#${p.number}`, { repository: p.repo })),
  ].sort();
}

const actual = (entities: StoredEntity[]) =>
  entities
    .map((e) => JSON.stringify({ blueprint: e.blueprint, identifier: e.identifier, relations: e.relations }))
    .sort();

// Mostly 5xx and resets, with GitHub's three rate-limit responses among them (each costs a real 1 s wait).
const FAULT_KINDS: FaultKind[] = [
  '500',
  '502',
  '503',
  'reset',
  '500',
  '502',
  '503',
  'reset',
  '429',
  '403-primary',
  '403-secondary',
];

describe('github integration against its simulator', () => {
  it('syncs exactly the expected entities and relations with faults on 20% of responses', async () => {
    await using sim = await startBuiltInSimulator(startSimulator, {
      seed: 3,
      size: { orgs: 3, reposPerOrg: 8, prsPerRepo: 4, maxPerPage: 3 },
      faults: { rate: 0.2, seed: 5, kinds: FAULT_KINDS, retryAfterSeconds: 1 },
    });
    const events: string[] = [];
    const { summary, entities } = await syncToTempCatalog(DIR, {
      set: sim.settings,
      onEvent: (event) => {
        if (event.type === 'retry') events.push(event.reason);
        if (event.type === 'rate-limit-wait') events.push('rate-limit-wait');
      },
    });
    expect(summary.kinds.map((k) => [k.kind, k.status, k.error])).toEqual([
      ['organization', 'succeeded', undefined],
      ['repository', 'succeeded', undefined],
      ['pull-request', 'succeeded', undefined],
    ]);
    expect(summary.status).toBe('succeeded');
    expect(actual(entities)).toEqual(expected(sim.data));
    expect(summary.totals.retries).toBeGreaterThan(0);
    // The faults included GitHub's rate-limit responses, which the client waited out.
    expect(events).toContain('rate-limit-wait');
    // Link pagination followed GitHub's id-based next links, past the first page of both lists.
    expect(sim.requests.some((r) => /^\/organizations\/\d+\/repos\?.*page=2/.test(r))).toBe(true);
    expect(sim.requests.some((r) => /^\/repositories\/\d+\/pulls\?.*page=2/.test(r))).toBe(true);

    // Properties come from the real field names.
    const repo = sim.data.repos[0];
    const stored = entities.find((e) => e.identifier === repo?.fullName);
    expect(stored?.properties).toMatchObject({
      visibility: repo?.private ? 'private' : 'public',
      fork: repo?.fork,
      archived: repo?.archived,
      defaultBranch: repo?.defaultBranch,
      language: repo?.language,
    });
    const pull = sim.data.pulls.find((p) => p.state === 'open');
    const storedPull = entities.find((e) => e.identifier === `${pull?.repo}#${pull?.number}`);
    expect(storedPull?.title).toBe(pull?.title);
    expect(storedPull?.properties).toMatchObject({
      state: 'open',
      author: pull?.user.login,
      number: pull?.number,
    });
  });

  it('applies repoType and prState as GitHub filters them', async () => {
    await using sim = await startBuiltInSimulator(startSimulator, {
      seed: 4,
      size: { orgs: 2, reposPerOrg: 10, prsPerRepo: 3 },
    });
    for (const filters of [
      { repoType: 'sources', prState: 'closed' },
      { repoType: 'forks', prState: 'all' },
      { repoType: 'private', prState: 'open' },
    ] as const) {
      const { summary, entities } = await syncToTempCatalog(DIR, {
        set: [...sim.settings, `repoType=${filters.repoType}`, `prState=${filters.prState}`],
      });
      expect(summary.status).toBe('succeeded');
      const want = expected(sim.data, filters);
      expect(actual(entities)).toEqual(want);
      expect(want.some((l) => l.includes('githubPullRequest'))).toBe(true);
    }
  });

  it('reads only public data without a token, and works under a GitHub Enterprise /api/v3 base URL', async () => {
    await using sim = await startBuiltInSimulator(startSimulator, {
      seed: 6,
      size: { orgs: 2, reposPerOrg: 6, prsPerRepo: 2 },
    });
    const anonymous = sim.settings.filter((s) => !s.startsWith('token='));
    const { summary, entities } = await syncToTempCatalog(DIR, { set: anonymous });
    expect(summary.status).toBe('succeeded');
    expect(actual(entities)).toEqual(expected(sim.data, { anonymous: true }));
    expect(sim.data.repos.some((r) => r.private)).toBe(true);

    const ghe = await syncToTempCatalog(DIR, { set: [...sim.settings, `baseUrl=${sim.url}/api/v3`] });
    expect(ghe.summary.status).toBe('succeeded');
    expect(actual(ghe.entities)).toEqual(expected(sim.data));
    expect(sim.requests.filter((r) => r.startsWith('/api/v3/')).length).toBeGreaterThan(3);
  });

  it('with a wrong token: check says bad credentials, sync fails with E_AUTH and stores nothing', async () => {
    await using sim = await startBuiltInSimulator('github', {
      seed: 2,
      size: { orgs: 2, reposPerOrg: 3, prsPerRepo: 1 },
    });
    const wrong = [...sim.settings, 'token=ghp_wrong']; // the last --set of a key wins
    const check = await checkConnection(await loadManifest(DIR, { set: wrong }));
    expect(check).toMatchObject({ verdict: 'bad credentials', status: 401, code: 'E_AUTH' });
    expect(check.url).toBe(`${sim.url}/rate_limit`);

    const { summary, entities } = await syncToTempCatalog(DIR, { set: wrong });
    expect(summary.status).toBe('failed');
    const errors = summary.kinds.map((k) => k.error).filter((e) => e !== undefined);
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) expect(e).toMatch(/^E_AUTH /);
    expect(entities).toEqual([]);

    const ok = await checkConnection(await loadManifest(DIR, { set: sim.settings }));
    expect(ok.verdict).toBe('ok');
  });

  it('loads the manifest with the simulator settings and compiles the mapping', async () => {
    await using sim = await startBuiltInSimulator('github', {
      size: { orgs: 1, reposPerOrg: 1, prsPerRepo: 0 },
    });
    const { loaded, mapper } = await openIntegration(DIR, { set: sim.settings });
    expect(loaded.manifest.name).toBe('github');
    expect(Object.keys(loaded.manifest.resources)).toEqual(['organization', 'repository', 'pull-request']);
    expect(loaded.settings.values).toMatchObject({ repoType: 'all', prState: 'open', orgs: ['acme'] });
    expect(loaded.mappingFile?.endsWith('mapping.yml')).toBe(true);
    expect(mapper).toBeDefined();
  });
});
