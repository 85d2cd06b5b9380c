import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../src/manifest/load.js';
import { checkConnection } from '../../src/sync/check-connection.js';
import { openIntegration } from '../../src/sync/open-integration.js';
import { startBuiltInSimulator, syncToTempCatalog } from '../../src/testing/harness.js';
import type { JiraData } from './simulator/data.js';
import { jiraDate } from './simulator/render.js';
import { startJiraSimulator } from './simulator/start.js';

const DIR = fileURLToPath(new URL('.', import.meta.url));

/** What the default mapping should make of the simulator's data, computed from the data itself. */
function expected(data: JiraData) {
  const entities = [
    ...data.projects.map((p) => ({ blueprint: 'jiraProject', identifier: p.key, relations: {} })),
    ...data.issues.map((i) => ({
      blueprint: 'jiraIssue',
      identifier: i.key,
      relations: { project: i.projectKey, parentIssue: i.parentKey ?? null },
    })),
  ];
  return entities.sort((a, b) =>
    a.blueprint === b.blueprint ? (a.identifier < b.identifier ? -1 : 1) : a.blueprint < b.blueprint ? -1 : 1,
  );
}

describe('jira integration against its simulator', () => {
  it('syncs exactly every project and issue, with relations, through 20% faults incl. Jira 429s', async () => {
    await using sim = await startBuiltInSimulator(startJiraSimulator, {
      seed: 11,
      // 60 projects: two project/search pages; search/jql pages of 25 give a dozen nextPageToken pages.
      size: { projects: 60, issuesPerProject: 10, searchPageSize: 25 },
      faults: { rate: 0.2, seed: 7, kinds: ['429', '500', '502', '503', 'reset'], retryAfterSeconds: 1 },
    });
    const { summary, entities } = await syncToTempCatalog(DIR, { set: sim.settings });
    expect(summary.kinds.map((k) => [k.kind, k.status, k.error])).toEqual([
      ['project', 'succeeded', undefined],
      ['issue', 'succeeded', undefined],
    ]);
    expect(summary.status).toBe('succeeded');
    expect(
      entities.map((e) => ({ blueprint: e.blueprint, identifier: e.identifier, relations: e.relations })),
    ).toEqual(expected(sim.data));

    // Properties come from the mapping's jq programs over Jira's field shapes.
    const subtask = sim.data.issues.find((i) => i.parentKey !== undefined && i.assignee !== null);
    const stored = entities.find((e) => e.identifier === subtask?.key);
    expect(stored?.title).toBe(subtask?.summary);
    expect(stored?.properties).toEqual({
      url: `${sim.url}/browse/${subtask?.key}`,
      status: subtask?.status.name,
      statusCategory: subtask?.status.category.name,
      issueType: 'Subtask',
      priority: subtask?.priority.name,
      assignee: subtask?.assignee?.displayName,
      reporter: subtask?.reporter.displayName,
      labels: subtask?.labels,
      created: subtask && jiraDate(subtask.created),
      updated: subtask && jiraDate(subtask.updated),
    });
    const project = sim.data.projects[0];
    expect(entities.find((e) => e.identifier === project?.key)?.properties).toMatchObject({
      url: `${sim.url}/browse/${project?.key}`,
      projectType: project?.projectTypeKey,
      style: project?.style,
    });

    // The faults happened, Jira-style rate limits among them, and both pagination styles were followed.
    expect(sim.faults.byKind['429'] ?? 0).toBeGreaterThan(0);
    expect(sim.faults.total).toBeGreaterThanOrEqual(3);
    expect(sim.hits.some((h) => h.includes('/project/search') && h.includes('startAt=50'))).toBe(true);
    expect(
      sim.hits.filter((h) => h.includes('/search/jql') && h.includes('nextPageToken=')).length,
    ).toBeGreaterThan(5);
    expect(sim.hits.some((h) => h.includes('fields=summary') && h.includes('jql=project+IS+NOT+EMPTY'))).toBe(
      true,
    );
  });

  it('with a wrong API token: check says "bad credentials" and sync fails with E_AUTH, storing nothing', async () => {
    await using sim = await startBuiltInSimulator('jira', {
      seed: 2,
      size: { projects: 3, issuesPerProject: 3 },
    });
    const set = [...sim.settings, 'token=not-the-token']; // the last --set of a key wins
    const verdict = await checkConnection(await loadManifest(DIR, { set }));
    expect(verdict).toMatchObject({ verdict: 'bad credentials', status: 401, code: 'E_AUTH' });
    expect(verdict.url).toBe(`${sim.url}/rest/api/3/myself`);

    const { summary, entities } = await syncToTempCatalog(DIR, { set });
    expect(summary.status).toBe('failed');
    expect(summary.kinds.every((k) => k.status === 'failed' && k.error?.startsWith('E_AUTH'))).toBe(true);
    expect(entities).toEqual([]);
  });

  it('checks the connection as ok with the simulator settings, over Basic and over an OAuth Bearer token', async () => {
    await using sim = await startBuiltInSimulator('jira', {
      seed: 3,
      size: { projects: 1, issuesPerProject: 1 },
    });
    expect((await checkConnection(await loadManifest(DIR, { set: sim.settings }))).verdict).toBe('ok');
    const oauth = [`baseUrl=${sim.url}`, 'oauthToken=eyJhbGciOi-simulator-oauth'];
    expect((await checkConnection(await loadManifest(DIR, { set: oauth }))).verdict).toBe('ok');
    // The Bearer entry comes first: an OAuth token wins even when email + token are also set.
    const both = [...sim.settings, 'token=x', 'oauthToken=eyJhbGciOi-simulator-oauth'];
    expect((await checkConnection(await loadManifest(DIR, { set: both }))).verdict).toBe('ok');
  });

  it('loads the manifest with the simulator settings and compiles the mapping', async () => {
    await using sim = await startBuiltInSimulator('jira', { size: { projects: 1, issuesPerProject: 0 } });
    const { loaded } = await openIntegration(DIR, { set: sim.settings });
    expect(loaded.manifest.name).toBe('jira');
    expect(Object.keys(loaded.manifest.resources)).toEqual(['project', 'issue']);
    expect(loaded.mappingFile?.endsWith('mapping.yml')).toBe(true);
    expect(loaded.manifest.mapping?.resources.map((r) => r.kind)).toEqual(['project', 'issue']);
    expect(loaded.settings.values.jql).toBe('project IS NOT EMPTY ORDER BY updated DESC');
    expect(loaded.settings.values.fields).toContain('summary');
    await expect(openIntegration(DIR, { set: [] })).rejects.toMatchObject({ code: 'E_CONFIG' });
  });
});
