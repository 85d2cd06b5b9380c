import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';
import type { JiraIssue } from './data.js';
import { type JiraSimulator, SIMULATOR_CREDENTIALS, startJiraSimulator } from './start.js';

const BASIC = `Basic ${Buffer.from(`${SIMULATOR_CREDENTIALS.email}:${SIMULATOR_CREDENTIALS.apiToken}`).toString('base64')}`;

interface IssuePage {
  issues: Array<{ id: string; key: string; self: string; fields?: Record<string, unknown> }>;
  nextPageToken?: string;
  isLast: boolean;
}

describe('jira simulator', () => {
  let sim: JiraSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  const get = async (path: string, query: Record<string, string | string[]> = {}, auth = BASIC) => {
    const url = new URL(`${sim?.url}${path}`);
    for (const [k, v] of Object.entries(query)) for (const x of [v].flat()) url.searchParams.append(k, x);
    const res = await fetch(url, { headers: { authorization: auth } });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  const json = async <T>(path: string, query: Record<string, string | string[]> = {}) => {
    const res = await get(path, query);
    expect(res.status, res.text).toBe(200);
    return JSON.parse(res.text) as T;
  };

  it("answers Jira's 401 to a wrong token, and accepts Basic and the OAuth Bearer token", async () => {
    sim = await startJiraSimulator({ size: { projects: 1 } });
    const bad = `Basic ${Buffer.from(`${SIMULATOR_CREDENTIALS.email}:wrong`).toString('base64')}`;
    const res = await get('/rest/api/3/myself', {}, bad);
    expect(res.status).toBe(401);
    expect(res.text).toBe('Client must be authenticated to access this resource.');
    expect(res.headers.get('x-seraph-loginreason')).toBe('AUTHENTICATED_FAILED');
    expect(res.headers.get('www-authenticate')).toMatch(/^OAuth realm=/);
    expect((await get('/rest/api/3/myself', {}, '')).status).toBe(401);
    expect((await get('/rest/api/3/myself', {}, `Bearer ${SIMULATOR_CREDENTIALS.oauthToken}`)).status).toBe(
      200,
    );
    const me = await json<{ emailAddress: string; accountType: string }>('/rest/api/3/myself');
    expect(me).toMatchObject({ emailAddress: SIMULATOR_CREDENTIALS.email, accountType: 'atlassian' });
  });

  it('pages project/search by startAt with maxResults capped at 50, total and isLast', async () => {
    sim = await startJiraSimulator({ seed: 4, size: { projects: 53, issuesPerProject: 0 } });
    type Page = { startAt: number; maxResults: number; total: number; isLast: boolean; nextPage?: string };
    const first = await json<Page & { values: Array<{ key: string; self: string }> }>(
      '/rest/api/3/project/search',
      {
        maxResults: '100',
      },
    );
    expect(first).toMatchObject({ startAt: 0, maxResults: 50, total: 53, isLast: false });
    expect(first.values).toHaveLength(50);
    expect(first.nextPage).toContain('startAt=50');
    expect(first.values[0]).toMatchObject({ self: expect.stringContaining('/rest/api/3/project/') });
    const last = await json<Page & { values: unknown[] }>('/rest/api/3/project/search', { startAt: '50' });
    expect(last).toMatchObject({ startAt: 50, total: 53, isLast: true });
    expect(last.values).toHaveLength(3);
    expect(last.nextPage).toBeUndefined();
    const beyond = await json<Page & { values: unknown[] }>('/rest/api/3/project/search', { startAt: '60' });
    expect(beyond).toMatchObject({ values: [], isLast: true });
    const keys = [...first.values.map((p) => p.key)];
    expect(new Set(keys).size).toBe(50);
  });

  it('walks search/jql by an opaque nextPageToken: every match once, the last page without a token', async () => {
    sim = await startJiraSimulator({
      seed: 9,
      size: { projects: 4, issuesPerProject: 20, searchPageSize: 7 },
    });
    const project = sim.data.projects[1]?.key ?? '';
    const want = sim.data.issues.filter((i) => i.projectKey === project);
    const seen: string[] = [];
    const updated: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const query: Record<string, string | string[]> = {
        jql: `project = ${project} ORDER BY updated DESC`,
        fields: ['summary,updated', 'project'],
        maxResults: '50',
      };
      if (token) query.nextPageToken = token;
      const page = await json<IssuePage>('/rest/api/3/search/jql', query);
      pages += 1;
      expect(page.issues.length).toBeLessThanOrEqual(7);
      for (const issue of page.issues) {
        seen.push(issue.key);
        expect(Object.keys(issue.fields ?? {}).sort()).toEqual(['project', 'summary', 'updated']);
        updated.push(String(issue.fields?.updated));
      }
      expect(page.isLast).toBe(page.nextPageToken === undefined);
      token = page.nextPageToken;
    } while (token);
    expect(pages).toBe(Math.max(1, Math.ceil(want.length / 7)));
    expect([...seen].sort()).toEqual(want.map((i) => i.key).sort());
    expect(updated).toEqual([...updated].sort().reverse());
  });

  it('returns no fields unless asked, and rejects unbounded JQL, unknown projects and bad tokens as Jira does', async () => {
    sim = await startJiraSimulator({ seed: 5, size: { projects: 2, issuesPerProject: 5 } });
    const bare = await json<IssuePage>('/rest/api/3/search/jql', { jql: 'project IS NOT EMPTY' });
    expect(bare.issues.length).toBe(sim.data.issues.length);
    expect(bare.issues.every((i) => i.fields === undefined && i.key && i.id && i.self)).toBe(true);

    const unbounded = await get('/rest/api/3/search/jql', { jql: 'order by updated DESC' });
    expect(unbounded.status).toBe(400);
    expect(JSON.parse(unbounded.text)).toMatchObject({
      errorMessages: [
        'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.',
      ],
      errors: {},
    });
    const unknown = await get('/rest/api/3/search/jql', { jql: 'project = NOPE' });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain("The value 'NOPE' does not exist for the field 'project'.");
    const field = await get('/rest/api/3/search/jql', { jql: 'colour = red' });
    expect(field.text).toContain("Field 'colour' does not exist");
    const token = await get('/rest/api/3/search/jql', {
      jql: 'project IS NOT EMPTY',
      nextPageToken: 'garbage',
    });
    expect(token.status).toBe(400);
  });

  it('evaluates AND / OR / NOT, IN lists, parentheses and relative dates', async () => {
    const running = await startJiraSimulator({ seed: 6, size: { projects: 3, issuesPerProject: 15 } });
    sim = running;
    const [a, b] = sim.data.projects.map((p) => p.key);
    const keys = async (jql: string) =>
      (await json<IssuePage>('/rest/api/3/search/jql', { jql, maxResults: '5000' })).issues
        .map((i) => i.key)
        .sort();
    const expectKeys = (pred: (i: JiraIssue) => boolean) =>
      running.data.issues
        .filter(pred)
        .map((i) => i.key)
        .sort();
    expect(await keys(`project in (${a}, "${b}") AND statusCategory != Done`)).toEqual(
      expectKeys((i) => [a, b].includes(i.projectKey) && i.status.name !== 'Done'),
    );
    expect(await keys(`(project = ${a} AND priority = High) OR NOT project in (${a}, ${b})`)).toEqual(
      expectKeys((i) => (i.projectKey === a && i.priority.name === 'High') || ![a, b].includes(i.projectKey)),
    );
    expect(await keys('created <= now() AND assignee IS EMPTY')).toEqual(
      expectKeys((i) => i.assignee === null),
    );
    expect(await keys('updated >= -1d')).toEqual([]);
  });

  it("rate-limits with Jira's 429: Retry-After, an ISO-minute X-RateLimit-Reset, RateLimit-Reason", async () => {
    const clock = new VirtualClock(Date.UTC(2026, 2, 1, 10, 0, 30));
    sim = await startJiraSimulator({
      clock,
      size: { projects: 1 },
      faults: { rate: 1, kinds: ['429'], retryAfterSeconds: 2 },
    });
    const limited = await get('/rest/api/3/project/search');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.headers.get('x-ratelimit-reset')).toBe('2026-03-01T10:00Z');
    expect(limited.headers.get('ratelimit-reason')).toBe('jira-burst-based');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(JSON.parse(limited.text)).toEqual({ errorMessages: ['Rate limit exceeded.'], errors: {} });
    // Another URL during the Retry-After is refused too, in the same shape.
    expect((await get('/rest/api/3/myself')).status).toBe(429);
    expect(sim.faults.violations).toBe(1);
    clock.advance(2000);
    // The same URL is never faulted twice in a row.
    expect((await get('/rest/api/3/project/search')).status).toBe(200);
  });
});
