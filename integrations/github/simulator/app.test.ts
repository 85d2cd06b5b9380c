import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';
import { type GithubAppOptions, githubApp } from './app.js';
import { generateData } from './data.js';
import { primaryLimit } from './rate-limit.js';

const TOKEN = 'ghp_test';
const ORIGIN = 'http://sim.test';

function setup(size = { orgs: 2, reposPerOrg: 12, prsPerRepo: 4 }, extra: Partial<GithubAppOptions> = {}) {
  const clock = new VirtualClock();
  const data = generateData(5, size);
  const app = githubApp({ data, token: TOKEN, clock, ...extra });
  const get = async (path: string, token: string | null = TOKEN, headers: Record<string, string> = {}) => {
    const res = await app.request(`${ORIGIN}${path}`, {
      headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as unknown };
  };
  return { clock, data, get };
}

const links = (header: string | null) =>
  Object.fromEntries(
    [...(header ?? '').matchAll(/<([^>]+)>; rel="(\w+)"/g)].map((m) => [m[2], m[1]?.replace(ORIGIN, '')]),
  );

describe('GitHub simulator', () => {
  it('paginates with per_page/page and GitHub-style Link headers (next, last, prev, first)', async () => {
    const { data, get } = setup();
    const org = data.orgs[0];
    const all = data.repos.filter((r) => r.org === org?.login);
    expect(all.length).toBeGreaterThan(5);
    const first = await get(`/orgs/${org?.login}/repos?per_page=5`);
    expect(first.body).toHaveLength(5);
    const last = Math.ceil(all.length / 5);
    expect(links(first.headers.get('link'))).toEqual({
      next: `/organizations/${org?.id}/repos?per_page=5&page=2`,
      last: `/organizations/${org?.id}/repos?per_page=5&page=${last}`,
    });
    const final = await get(`/organizations/${org?.id}/repos?per_page=5&page=${last}`);
    expect(Object.keys(links(final.headers.get('link')))).toEqual(['prev', 'first']);
    const names = [first.body, final.body].flat().map((r) => (r as { full_name: string }).full_name);
    expect(new Set(names).size).toBe(names.length);
    // Past the end: an empty page, and no next link.
    const beyond = await get(`/orgs/${org?.login}/repos?per_page=5&page=${last + 1}`);
    expect(beyond.body).toEqual([]);
    expect(links(beyond.headers.get('link')).next).toBeUndefined();
    // per_page is capped at 100; default 30.
    const capped = await get(`/orgs/${org?.login}/repos?per_page=1000`);
    expect((capped.body as unknown[]).length).toBe(all.length);
    expect(capped.headers.get('link')).toBeNull();
  });

  it('filters repositories by type and pull requests by state', async () => {
    const { data, get } = setup();
    const org = data.orgs[0]?.login;
    const names = async (path: string, token: string | null = TOKEN) =>
      ((await get(path, token)).body as Array<{ full_name: string }>).map((r) => r.full_name).sort();
    const mine = data.repos.filter((r) => r.org === org);
    const pick = (f: (r: (typeof mine)[number]) => boolean) =>
      mine
        .filter(f)
        .map((r) => r.fullName)
        .sort();
    expect(await names(`/orgs/${org}/repos?type=forks&per_page=100`)).toEqual(pick((r) => r.fork));
    expect(await names(`/orgs/${org}/repos?type=sources&per_page=100`)).toEqual(pick((r) => !r.fork));
    expect(await names(`/orgs/${org}/repos?type=private&per_page=100`)).toEqual(pick((r) => r.private));
    expect(await names(`/orgs/${org}/repos?type=public&per_page=100`)).toEqual(pick((r) => !r.private));
    // Anonymous callers see public repositories only.
    expect(await names(`/orgs/${org}/repos?per_page=100`, null)).toEqual(pick((r) => !r.private));

    const repo = data.pulls[0]?.repo ?? '';
    const states = async (state: string) =>
      ((await get(`/repos/${repo}/pulls?state=${state}&per_page=100`)).body as Array<{ state: string }>).map(
        (p) => p.state,
      );
    const upstream = data.pulls.filter((p) => p.repo === repo);
    expect((await states('open')).length).toBe(upstream.filter((p) => p.state === 'open').length);
    expect(await states('closed')).toEqual(upstream.filter((p) => p.state === 'closed').map(() => 'closed'));
    expect((await states('all')).length).toBe(upstream.length);
    const invalid = await get(`/repos/${repo}/pulls?state=merged`);
    expect(invalid.status).toBe(422);
    expect(invalid.body).toMatchObject({ message: 'Validation Failed' });
  });

  it('answers 401 Bad credentials, 404 Not Found, and hides private repositories from anonymous callers', async () => {
    const { data, get } = setup();
    const bad = await get('/orgs/acme', 'ghp_wrong');
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({
      message: 'Bad credentials',
      documentation_url: 'https://docs.github.com/rest',
      status: '401',
    });
    expect((await get('/user', null)).status).toBe(401);
    expect((await get('/orgs/nope')).body).toMatchObject({ message: 'Not Found', status: '404' });
    const hidden = data.repos.find((r) => r.private);
    expect((await get(`/repos/${hidden?.fullName}`)).status).toBe(200);
    expect((await get(`/repos/${hidden?.fullName}`, null)).status).toBe(404);
    expect((await get('/orgs/acme', TOKEN, { 'x-github-api-version': '1999-01-01' })).status).toBe(400);
  });

  it('enforces the primary rate limit per credential (60/h anonymous) and resets after the hour', async () => {
    const { clock, get } = setup({ orgs: 1, reposPerOrg: 1, prsPerRepo: 0 });
    let last = await get('/orgs/acme', null);
    for (let i = 1; i < 60; i++) last = await get('/orgs/acme', null);
    expect(last.status).toBe(200);
    expect(last.headers.get('x-ratelimit-remaining')).toBe('0');
    const reset = Number(last.headers.get('x-ratelimit-reset'));
    expect(reset * 1000).toBeGreaterThanOrEqual(clock.now() + 3_599_000);
    const over = await get('/orgs/acme', null);
    expect(over.status).toBe(403);
    expect(over.headers.get('x-ratelimit-remaining')).toBe('0');
    expect((over.body as { message: string }).message).toMatch(/^API rate limit exceeded/);
    // The token has its own budget; /rate_limit is free and reports the spent anonymous one.
    expect((await get('/orgs/acme')).headers.get('x-ratelimit-limit')).toBe('5000');
    const status = (await get('/rate_limit', null)).body as { resources: { core: { remaining: number } } };
    expect(status.resources.core.remaining).toBe(0);
    await clock.sleep(3_600_000);
    expect((await get('/orgs/acme', null)).status).toBe(200);
  });

  it('replaces the hour with a short aligned window: 403 past it, counted, and a fresh budget at the reset', async () => {
    const rejected: string[] = [];
    const { clock, get } = setup(
      { orgs: 1, reposPerOrg: 1, prsPerRepo: 0 },
      { rateWindow: { requests: 3, ms: 2000 }, onRateLimited: (path) => rejected.push(path) },
    );
    clock.advance(500); // mid-window: the reset is the next multiple of 2 s, not 2 s from now
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push(await get('/orgs/acme'));
    expect(seen.map((r) => r.status)).toEqual([200, 200, 200, 403]);
    expect(seen.map((r) => r.headers.get('x-ratelimit-remaining'))).toEqual(['2', '1', '0', '0']);
    expect(seen[0]?.headers.get('x-ratelimit-limit')).toBe('3');
    const reset = Number(seen[0]?.headers.get('x-ratelimit-reset')) * 1000;
    expect(reset).toBe(Math.floor(clock.now() / 2000) * 2000 + 2000);
    expect(rejected).toEqual(['/orgs/acme']);
    clock.advance(reset - clock.now());
    const fresh = await get('/orgs/acme');
    expect([fresh.status, fresh.headers.get('x-ratelimit-remaining')]).toEqual([200, '2']);
  });

  it('starts every window afresh on reset(), as when the hour rolls over', async () => {
    const limits = primaryLimit(new VirtualClock(), { requests: 2, ms: 3_600_000 });
    const { get } = setup({ orgs: 1, reposPerOrg: 1, prsPerRepo: 0 }, { limits });
    const spent = [await get('/orgs/acme'), await get('/orgs/acme'), await get('/orgs/acme')];
    expect(spent.map((r) => r.status)).toEqual([200, 200, 403]);
    limits.reset();
    const fresh = await get('/orgs/acme');
    expect([fresh.status, fresh.headers.get('x-ratelimit-remaining')]).toEqual([200, '1']);
    // A later reset: a client that keeps the lowest count within one window sees a new window.
    const resets = [spent[0], fresh].map((r) => Number(r?.headers.get('x-ratelimit-reset')));
    expect(resets[1]! - resets[0]!).toBe(3600);
  });

  it('answers 429 instead of 403 when told, and delays every response by latencyMs', async () => {
    const { clock, get } = setup(
      { orgs: 1, reposPerOrg: 1, prsPerRepo: 0 },
      { rateWindow: { requests: 1, ms: 1000 }, rateLimitStatus: 429, latencyMs: 20 },
    );
    const started = clock.now();
    expect((await get('/orgs/acme')).status).toBe(200);
    expect(clock.now() - started).toBe(20);
    expect(clock.sleeps).toEqual([20]);
    const over = await get('/orgs/acme');
    expect([over.status, over.body]).toMatchObject([429, { message: expect.stringMatching(/rate limit/) }]);
  });

  it('numbers repository names past the word pool, so an organization can hold hundreds', () => {
    const data = generateData(1, { orgs: 2, reposPerOrg: 500, prsPerRepo: 1 });
    expect(data.repos.length).toBeGreaterThan(750);
    expect(new Set(data.repos.map((r) => r.fullName)).size).toBe(data.repos.length);
    // Small datasets keep their plain names (seeded fixtures and docs show them).
    expect(generateData(1).repos.every((r) => /^[a-z]+-[a-z]+$/.test(r.name))).toBe(true);
  });

  it('sees dataset edits between requests: records changed in place and records added', async () => {
    const { data, get } = setup();
    const repo = data.repos[0]!;
    const open = async () =>
      ((await get(`/repos/${repo.fullName}/pulls?state=open`)).body as Array<{ number: number }>).length;
    const before = await open();
    const first = data.pulls.find((p) => p.repo === repo.fullName && p.state === 'open');
    if (first) first.state = 'closed';
    expect(await open()).toBe(first ? before - 1 : before);
    data.pulls.push({ ...data.pulls[0]!, id: 1, number: 999, repo: repo.fullName, state: 'open' });
    expect(await open()).toBe((first ? before - 1 : before) + 1);
    data.repos.push({ ...repo, id: 7, name: 'added', fullName: `${repo.org}/added` });
    expect((await get(`/repos/${repo.org}/added`)).status).toBe(200);
  });

  it('serves the GitHub Enterprise layout under /api/v3 with Link URLs keeping the prefix', async () => {
    const { data, get } = setup();
    const org = data.orgs[0];
    const res = await get(`/api/v3/orgs/${org?.login}/repos?per_page=2`);
    expect(res.status).toBe(200);
    expect(links(res.headers.get('link')).next).toBe(
      `/api/v3/organizations/${org?.id}/repos?per_page=2&page=2`,
    );
    expect((res.body as Array<{ url: string }>)[0]?.url.startsWith(`${ORIGIN}/api/v3/repos/`)).toBe(true);
  });
  it('frozen serves each list as the live one does, per credential, and keeps serving it', async () => {
    const live = setup();
    const frozen = setup(undefined, { frozen: true });
    const org = live.data.orgs[0]!.login;
    const repo = live.data.repos[0]!.fullName;
    const paths = [
      `/orgs/${org}/repos?per_page=5&page=2`,
      `/repos/${repo}/pulls?state=all`,
      `/orgs/${org}/repos`,
    ];
    for (const path of paths)
      for (const token of [TOKEN, null]) {
        const want = await live.get(path, token);
        for (const round of [1, 2]) {
          const got = await frozen.get(path, token);
          expect(got.body, `${path} ${token} ${round}`).toEqual(want.body);
          expect(got.headers.get('link')).toBe(want.headers.get('link'));
          expect(got.headers.get('content-type')).toBe(want.headers.get('content-type'));
          expect(got.headers.get('x-ratelimit-remaining')).not.toBeNull();
        }
      }
    // Frozen means frozen: an edit is not seen by a list already served (the live one sees it).
    frozen.data.repos.find((r) => r.org === org)!.description = 'edited';
    live.data.repos.find((r) => r.org === org)!.description = 'edited';
    const seen = (b: unknown) => (b as { description: string }[]).some((r) => r.description === 'edited');
    expect(seen((await live.get(`/orgs/${org}/repos`)).body)).toBe(true);
    expect(seen((await frozen.get(`/orgs/${org}/repos`)).body)).toBe(false);
  });
});
