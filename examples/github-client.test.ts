import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { credentialCheck, serve } from '../src/testing/index.js';
import { readGithub } from './github-client.js';

const TOKEN = 'ghp_exampleTokenForTheTest000';

interface Repo {
  id: number;
  name: string;
  full_name: string;
  private: boolean;
  fork: boolean;
  owner: { login: string };
}

/** GitHub-shaped routes (paths, Link pagination, `type` and `state` filters) over a small fixed dataset. */
function githubApp(orgs: Record<string, number>) {
  const repos = new Map<string, Repo[]>();
  for (const [org, count] of Object.entries(orgs)) {
    repos.set(
      org,
      Array.from({ length: count }, (_, i) => ({
        id: i + 1,
        name: `repo-${i}`,
        full_name: `${org}/repo-${i}`,
        private: i % 3 === 0,
        fork: i % 5 === 0,
        owner: { login: org },
      })),
    );
  }
  const pulls = (repo: string) =>
    Array.from({ length: Number(repo.split('-')[1]) % 4 }, (_, n) => ({
      number: n + 1,
      state: n % 2 === 0 ? 'open' : 'closed',
      base: { repo: { full_name: repo } },
    }));
  const hits: string[] = [];
  const page = <T>(c: { req: { url: string; query(k: string): string | undefined } }, all: T[]) => {
    const perPage = Math.min(Number(c.req.query('per_page') ?? 30), 100);
    const n = Number(c.req.query('page') ?? 1);
    const headers: Record<string, string> = {};
    if (n * perPage < all.length) {
      const next = new URL(c.req.url);
      next.searchParams.set('page', String(n + 1));
      headers.link = `<${next}>; rel="next"`;
    }
    return { body: all.slice((n - 1) * perPage, n * perPage), headers };
  };
  const app = new Hono();
  app.use('*', async (c, next) => {
    hits.push(new URL(c.req.url).pathname + new URL(c.req.url).search);
    await next();
  });
  app.use('*', credentialCheck({ bearer: TOKEN }));
  app.get('/orgs/:org', (c) => {
    const org = c.req.param('org');
    return repos.has(org) ? c.json({ login: org, id: org.length }) : c.json({ message: 'Not Found' }, 404);
  });
  app.get('/orgs/:org/repos', (c) => {
    const type = c.req.query('type') ?? 'all';
    const all = (repos.get(c.req.param('org')) ?? []).filter((r) =>
      type === 'public' ? !r.private : type === 'private' ? r.private : type === 'forks' ? r.fork : true,
    );
    const { body, headers } = page(c, all);
    return c.json(body, 200, headers);
  });
  app.get('/repos/:owner/:repo/pulls', (c) => {
    const state = c.req.query('state') ?? 'open';
    const all = pulls(`${c.req.param('owner')}/${c.req.param('repo')}`).filter(
      (p) => state === 'all' || p.state === state,
    );
    const { body, headers } = page(c, all);
    return c.json(body, 200, headers);
  });
  return { app, hits };
}

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
});

describe('examples/github-client', () => {
  it('reads orgs, repositories by type and pull requests by state, each repository page once', async () => {
    const { app, hits } = githubApp({ acme: 450, beta: 20 });
    const served = await serve(app);
    close = served.close;

    const result = await readGithub({
      baseUrl: served.url,
      token: TOKEN,
      orgs: ['acme', 'beta'],
      repoType: 'private',
      prState: 'closed',
    });

    expect(result.orgs.map((o) => o.login)).toEqual(['acme', 'beta']);
    const expectedRepos = [
      ...Array.from({ length: 450 }, (_, i) => i)
        .filter((i) => i % 3 === 0)
        .map((i) => `acme/repo-${i}`),
      ...Array.from({ length: 20 }, (_, i) => i)
        .filter((i) => i % 3 === 0)
        .map((i) => `beta/repo-${i}`),
    ];
    expect(result.repositories.map((r) => r.full_name).sort()).toEqual(expectedRepos.sort());
    // Closed pull requests exist where (index % 4) >= 2: the second of two or three.
    const expectedPulls = expectedRepos.filter((r) => Number(r.split('-')[1]) % 4 >= 2);
    expect(
      result.pulls.map((p) => (p.base as { repo: { full_name: string } }).repo.full_name).sort(),
    ).toEqual(expectedPulls.sort());
    expect(result.pulls.every((p) => p.state === 'closed')).toBe(true);
    // 150 private acme repositories are two pages of 100: each page read once despite two consumers.
    expect(hits.filter((h) => h.startsWith('/orgs/acme/repos'))).toEqual([
      '/orgs/acme/repos?type=private&per_page=100',
      '/orgs/acme/repos?type=private&per_page=100&page=2',
    ]);
    expect(hits.filter((h) => h.startsWith('/orgs/beta/repos'))).toHaveLength(1);
  });

  it('without a token the API answers 401 and the example fails with E_AUTH', async () => {
    const { app } = githubApp({ acme: 3 });
    const served = await serve(app);
    close = served.close;
    await expect(readGithub({ baseUrl: served.url, orgs: ['acme'] })).rejects.toMatchObject({
      code: 'E_AUTH',
    });
  });
});
