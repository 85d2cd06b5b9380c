import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type CompiledMapping, compileMapping } from './compile-mapping.js';
import { mapPage } from './map-page.js';

const fixture = (name: string): unknown =>
  parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

/** The same mapping with every field in the jq page program. */
const jqOnly = (m: CompiledMapping): CompiledMapping => ({
  ...m,
  entries: m.entries.map((e) => ({ ...e, fast: null })),
});

/** A repository as GitHub's REST API returns it (GET /orgs/{org}/repos), trimmed. */
const repository = {
  id: 1296269,
  node_id: 'MDEwOlJlcG9zaXRvcnkxMjk2MjY5',
  name: 'Hello-World',
  full_name: 'octocat/Hello-World',
  private: false,
  owner: { login: 'octocat', id: 1, type: 'User', html_url: 'https://github.com/octocat' },
  html_url: 'https://github.com/octocat/Hello-World',
  description: null,
  fork: false,
  url: 'https://api.github.com/repos/octocat/Hello-World',
  language: 'C',
  default_branch: 'main',
  archived: false,
  topics: ['octocat', 'api'],
  visibility: 'public',
  stargazers_count: 80,
  pushed_at: '2011-01-26T19:06:43Z',
};

describe('Ocean port-app-config files', () => {
  it('github: compiles with a warning, maps a repository as Ocean describes', async () => {
    const { mapping, warnings } = await compileMapping(fixture('github-port-app-config.yml'), {
      foreign: true,
      kinds: ['organization', 'repository', 'pull-request'],
      file: 'github-port-app-config.yml',
    });
    expect(mapping.entries.map((e) => e.kind)).toEqual(['organization', 'repository', 'pull-request']);
    expect(warnings).toHaveLength(1);
    for (const key of [
      'deleteDependentEntities',
      'createMissingRelatedEntities',
      'repositoryType',
      'resources[1].selector.includedFiles',
      'resources[2].selector.states',
    ]) {
      expect(warnings[0]).toContain(key);
    }
    const { entities, skipped, filtered } = await mapPage(mapping, 'repository', [repository]);
    expect([skipped, filtered]).toEqual([0, 0]);
    expect(entities).toEqual([
      {
        blueprint: 'githubRepository',
        identifier: 'Hello-World',
        title: 'Hello-World',
        properties: {
          description: '',
          visibility: 'public',
          defaultBranch: 'main',
          readme: null,
          codeowners: null,
          url: 'https://github.com/octocat/Hello-World',
          language: 'C',
        },
        relations: { organization: 'octocat' },
      },
    ]);
    // Its `if … then … else … end` fields run in JS; they agree with jq on every branch.
    expect(mapping.entries[1]?.fast?.fields.every((f) => f !== null)).toBe(true);
    const page = [
      repository,
      {
        ...repository,
        private: true,
        description: 'd',
        language: null,
        __includedFiles: { 'README.md': 'r' },
      },
      { ...repository, private: null, description: '', language: false, owner: 'not-an-object' },
    ];
    expect(await mapPage(mapping, 'repository', page)).toEqual(
      await mapPage(jqOnly(mapping), 'repository', page),
    );
  });

  it('github: maps a pull request with gsub, strptime and mktime', async () => {
    const { mapping } = await compileMapping(fixture('github-port-app-config.yml'), {
      foreign: true,
      kinds: ['pull-request'],
    });
    const pr = {
      id: 1,
      title: 'Fix',
      state: 'closed',
      html_url: 'https://github.com/octocat/Hello-World/pull/1347',
      user: { login: 'dependabot[bot]' },
      assignees: [{ login: 'hubot' }],
      requested_reviewers: [],
      head: { repo: { name: 'Hello-World' } },
      created_at: '2011-01-26T19:01:12Z',
      merged_at: '2011-01-26T20:31:12Z',
      closed_at: '2011-01-26T20:31:12Z',
      updated_at: '2011-01-26T20:31:12Z',
    };
    const page = [pr, { ...pr, id: 2, merged_at: null, user: { login: 'a[b]c' }, requested_reviewers: null }];
    const { entities } = await mapPage(mapping, 'pull-request', page);
    expect(await mapPage(jqOnly(mapping), 'pull-request', page)).toEqual({
      entities,
      skipped: 0,
      filtered: 0,
    });
    expect(entities[0]).toMatchObject({
      identifier: 'Hello-World1',
      blueprint: 'githubPullRequest',
      properties: {
        creator: 'dependabot-bot',
        assignees: ['hubot'],
        reviewers: [],
        leadTimeHours: 1.5,
        prNumber: 1,
      },
      relations: { repository: null },
    });
  });

  it('jira and octopus: compile, naming the kinds Inlet does not read', async () => {
    const jira = await compileMapping(fixture('jira-port-app-config.yaml'), {
      foreign: true,
      kinds: ['project', 'issue'],
      file: 'jira.yaml',
    });
    expect(jira.mapping.entries.map((e) => e.kind)).toEqual(['project', 'issue']);
    expect(jira.warnings[0]).toMatch(/kinds this integration does not read: user, team$/);
    expect(jira.warnings[0]).toContain('resources[3].selector.jql');
    const issue = {
      key: 'PRJ-1',
      self: 'https://acme.atlassian.net/rest/api/3/issue/10001',
      fields: { summary: 'S', subtasks: [] },
    };
    const { entities } = await mapPage(jira.mapping, 'issue', [issue]);
    expect(entities[0]).toMatchObject({
      identifier: 'PRJ-1',
      properties: { url: 'https://acme.atlassian.net/browse/PRJ-1' },
      relations: { subtasks: [], project: null },
    });

    const octopus = await compileMapping(fixture('octopus-port-app-config.yaml'), {
      foreign: true,
      kinds: ['space', 'project', 'release', 'deployment', 'machine'],
    });
    expect(octopus.mapping.entries).toHaveLength(5);
    expect(octopus.warnings).toEqual([
      'mapping: ignoring keys Inlet does not use: createMissingRelatedEntities, deleteDependentEntities',
    ]);
  });
});
