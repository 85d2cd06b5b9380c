/**
 * The GitHub REST API simulator (docs.github.com/rest): organizations, repositories and pull
 * requests with GitHub's `type` / `state` / `sort` filters, `per_page` + `page` pagination with
 * RFC 8288 Link headers that (as on github.com) point at the id-based `/organizations/{id}/repos`
 * and `/repositories/{id}/pulls` paths, tokens (`Bearer` or `token`), anonymous access to public
 * data, the primary rate limit per credential, and GitHub's error bodies.
 */
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import type { Clock } from '../../../src/http/clock.js';
import type { GithubData, SimOrg, SimRepo } from './data.js';
import { dataIndex } from './data-index.js';
import { type HookState, hookRoutes } from './hooks.js';
import { type PrimaryLimit, primaryLimit, type RateWindow } from './rate-limit.js';
import { fullRepoJson, orgJson, pullJson, repoJson, userJson, viewerJson } from './shapes.js';

export interface GithubAppOptions {
  data: GithubData;
  /** The one token the simulator accepts. */
  token: string;
  clock: Clock;
  /** Cap of `per_page` (GitHub's is 100); lower it to exercise pagination with little data. @default 100 */
  maxPerPage?: number;
  /** Runs first on every request (fault injection). */
  before?: MiddlewareHandler;
  /** Every request as `path?query`, in arrival order. */
  requests?: string[];
  /** A fixed delay before every response, ms (a WAN round trip on loopback). @default 0 */
  latencyMs?: number;
  /** A short primary-limit window instead of GitHub's hour (5,000 with a token, 60 without). */
  rateWindow?: RateWindow;
  /** The primary limit's windows; by default its own, from `rateWindow`. */
  limits?: PrimaryLimit;
  /** Status of a primary-limit rejection; GitHub documents 403 or 429. @default 403 */
  rateLimitStatus?: 403 | 429;
  /** Called for every request rejected by the primary limit. */
  onRateLimited?: (path: string) => void;
  /** List pages are serialized once per URL and credential (the dataset does not change). @default false */
  frozen?: boolean;
  /** Organization webhooks (GET/POST /orgs/{org}/hooks); absent: those routes answer 404. */
  hooks?: HookState;
}

type Env = { Variables: { authenticated: boolean; api: string } };

const DOCS = 'https://docs.github.com/rest';
const API_VERSIONS = new Set(['2022-11-28', '2026-03-10']);
const REPO_TYPES = new Set(['all', 'public', 'private', 'forks', 'sources', 'member']);

/** GitHub's error body: message, documentation_url and the status as a string. */
const error = (c: Context, status: 400 | 401 | 403 | 404 | 422 | 429, message: string, docs = DOCS) =>
  c.json({ message, documentation_url: docs, status: String(status) }, status);

/** The API routes (github.com paths). */
function apiRoutes(api: Hono<Env>, options: GithubAppOptions): void {
  const { data, token, clock } = options;
  const limits = options.limits ?? primaryLimit(clock, options.rateWindow);
  const maxPerPage = options.maxPerPage ?? 100;
  let requestId = 0;
  const served = options.frozen ? new Map<string, string>() : undefined;
  /** A list page's JSON; with `frozen`, built once per URL and credential (its headers are set anew). */
  const listJson = (c: Context<Env>, build: () => unknown[]) => {
    if (!served) return c.json(build());
    const key = `${c.get('authenticated')} ${c.get('api')} ${c.req.url}`;
    let text = served.get(key);
    if (text === undefined) {
      text = JSON.stringify(build());
      served.set(key, text);
    }
    return c.body(text, 200, { 'content-type': 'application/json' });
  };

  api.use('*', async (c, next) => {
    requestId += 1;
    c.header('x-github-request-id', `C0DE:${requestId.toString(16).toUpperCase().padStart(6, '0')}`);
    c.header('x-github-media-type', 'github.v3; format=json');
    const version = c.req.header('x-github-api-version');
    if (version !== undefined && !API_VERSIONS.has(version)) {
      return error(
        c,
        400,
        `Unsupported 'X-GitHub-Api-Version' header. Supported versions: ${[...API_VERSIONS].join(', ')}`,
      );
    }
    const url = new URL(c.req.url);
    const prefix = url.pathname.startsWith('/api/v3/') ? '/api/v3' : '';
    c.set('api', `${url.origin}${prefix}`);
    // GitHub takes `Authorization: Bearer <t>` and the older `token <t>`.
    const [scheme = '', credential = ''] = (c.req.header('authorization') ?? '').trim().split(/\s+/, 2);
    const presented = c.req.header('authorization') !== undefined;
    if (presented && !(/^(bearer|token)$/i.test(scheme) && credential === token)) {
      return error(c, 401, 'Bad credentials');
    }
    c.set('authenticated', presented);
    const key = presented ? `token:${token}` : 'anonymous';
    const limit = presented ? 5000 : 60;
    // GET /rate_limit "does not count against your REST API rate limit".
    const counted = !url.pathname.endsWith('/rate_limit');
    if (counted && !limits.take(key, limit)) {
      limits.headers(c, key, limit);
      options.onRateLimited?.(url.pathname + url.search);
      return error(
        c,
        options.rateLimitStatus ?? 403,
        presented
          ? 'API rate limit exceeded for user ID 583231.'
          : 'API rate limit exceeded for 127.0.0.1. (But here is the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)',
        'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
      );
    }
    limits.headers(c, key, limit);
    await next();
  });

  const index = dataIndex(data);
  const findOrg = (login: string): SimOrg | undefined => index.org(login);
  const visible = (c: Context<Env>, repo: SimRepo) => !repo.private || c.get('authenticated');
  const findRepo = (c: Context<Env>, owner: string, name: string): SimRepo | undefined => {
    const repo = index.repo(`${owner}/${name}`);
    return repo && visible(c, repo) ? repo : undefined;
  };
  const orgId = (login: string) => findOrg(login)?.id ?? 0;
  if (options.hooks) hookRoutes(api, { state: options.hooks, clock, findOrg });
  const openIssues = (repo: SimRepo) => index.pullsOf(repo.fullName).filter((p) => p.state === 'open').length;

  /** `per_page` (default 30, at most 100) and `page` (default 1); writes the Link header (RFC 8288). */
  function page<T>(c: Context<Env>, items: T[], linkPath: string): T[] {
    const url = new URL(c.req.url);
    const perPage = Math.min(maxPerPage, Math.max(1, positive(url.searchParams.get('per_page')) ?? 30));
    const current = positive(url.searchParams.get('page')) ?? 1;
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (n: number) => {
      const params = new URLSearchParams(url.searchParams);
      params.delete('page');
      params.set('page', String(n));
      return `<${c.get('api')}${linkPath}?${params}>`;
    };
    const rels: string[] = [];
    if (current > 1) rels.push(`${link(Math.min(current - 1, last))}; rel="prev"`);
    if (current < last) rels.push(`${link(current + 1)}; rel="next"`, `${link(last)}; rel="last"`);
    if (current > 1) rels.push(`${link(1)}; rel="first"`);
    if (rels.length > 0) c.header('link', rels.join(', '));
    return items.slice((current - 1) * perPage, current * perPage);
  }

  api.get('/rate_limit', (c) => {
    const authenticated = c.get('authenticated');
    const core = limits.budget(authenticated ? `token:${token}` : 'anonymous', authenticated ? 5000 : 60);
    const rate = {
      limit: core.limit,
      used: core.used,
      remaining: core.limit - core.used,
      reset: Math.ceil(core.resetAt / 1000),
    };
    const idle = (n: number) => ({ limit: n, used: 0, remaining: n, reset: rate.reset });
    return c.json({
      resources: {
        core: rate,
        search: idle(authenticated ? 30 : 10),
        graphql: idle(authenticated ? 5000 : 0),
        integration_manifest: idle(5000),
        code_search: idle(10),
      },
      rate,
    });
  });

  api.get('/user', (c) => {
    if (!c.get('authenticated')) {
      return error(c, 401, 'Requires authentication', `${DOCS}/users/users#get-the-authenticated-user`);
    }
    return c.json(viewerJson(c.get('api'), data.viewer));
  });

  api.get('/users/:login', (c) => {
    const login = c.req.param('login');
    const org = findOrg(login);
    if (org) return c.json(userJson(c.get('api'), { login: org.login, id: org.id, type: 'Organization' }));
    if (login === data.viewer.login) return c.json(userJson(c.get('api'), data.viewer));
    return error(c, 404, 'Not Found', `${DOCS}/users/users#get-a-user`);
  });

  api.get('/orgs/:org', (c) => {
    const org = findOrg(c.req.param('org'));
    if (!org) return error(c, 404, 'Not Found', `${DOCS}/orgs/orgs#get-an-organization`);
    const repos = index.reposOf(org.login);
    return c.json(orgJson(c.get('api'), org, repos, c.get('authenticated')));
  });

  const listRepos = (c: Context<Env>, org: SimOrg | undefined) => {
    if (!org) return error(c, 404, 'Not Found', `${DOCS}/repos/repos#list-organization-repositories`);
    const typeParam = c.req.query('type') ?? 'all';
    const type = REPO_TYPES.has(typeParam) ? typeParam : 'all';
    const repos = index
      .reposOf(org.login)
      .filter(
        (r) =>
          visible(c, r) &&
          (type === 'public'
            ? !r.private
            : type === 'private'
              ? r.private
              : type === 'forks'
                ? r.fork
                : type === 'sources'
                  ? !r.fork
                  : true),
      );
    const sort = c.req.query('sort') ?? 'created';
    const direction = c.req.query('direction') ?? (sort === 'full_name' ? 'asc' : 'desc');
    const field: (r: SimRepo) => string =
      sort === 'full_name'
        ? (r) => r.fullName
        : sort === 'updated'
          ? (r) => r.updatedAt
          : sort === 'pushed'
            ? (r) => r.pushedAt
            : (r) => r.createdAt;
    repos.sort((a, b) => (direction === 'asc' ? 1 : -1) * field(a).localeCompare(field(b)));
    const items = page(c, repos, `/organizations/${org.id}/repos`);
    return listJson(c, () => items.map((r) => repoJson(c.get('api'), r, org.id, openIssues(r))));
  };
  api.get('/orgs/:org/repos', (c) => listRepos(c, findOrg(c.req.param('org'))));
  api.get('/organizations/:id/repos', (c) => listRepos(c, index.orgById(c.req.param('id'))));

  api.get('/repos/:owner/:repo', (c) => {
    const repo = findRepo(c, c.req.param('owner'), c.req.param('repo'));
    if (!repo) return error(c, 404, 'Not Found', `${DOCS}/repos/repos#get-a-repository`);
    return c.json(fullRepoJson(c.get('api'), repo, orgId(repo.org), openIssues(repo)));
  });

  const listPulls = (c: Context<Env>, repo: SimRepo | undefined) => {
    if (!repo) return error(c, 404, 'Not Found', `${DOCS}/pulls/pulls#list-pull-requests`);
    const state = c.req.query('state') ?? 'open';
    if (!['open', 'closed', 'all'].includes(state)) {
      return c.json(
        {
          message: 'Validation Failed',
          errors: [{ resource: 'Issue', field: 'state', code: 'invalid' }],
          documentation_url: `${DOCS}/pulls/pulls#list-pull-requests`,
          status: '422',
        },
        422,
      );
    }
    const base = c.req.query('base');
    const pulls = index
      .pullsOf(repo.fullName)
      .filter(
        (p) => (state === 'all' || p.state === state) && (base === undefined || base === repo.defaultBranch),
      );
    const sort = c.req.query('sort') ?? 'created';
    const direction = c.req.query('direction') ?? 'desc';
    pulls.sort(
      (a, b) =>
        (direction === 'asc' ? 1 : -1) *
        (sort === 'updated' ? a.updatedAt.localeCompare(b.updatedAt) : a.number - b.number),
    );
    const id = orgId(repo.org);
    const items = page(c, pulls, `/repositories/${repo.id}/pulls`);
    return listJson(c, () => {
      const baseJson = repoJson(c.get('api'), repo, id, openIssues(repo));
      return items.map((p) => pullJson(c.get('api'), p, repo, baseJson, id));
    });
  };
  api.get('/repos/:owner/:repo/pulls', (c) =>
    listPulls(c, findRepo(c, c.req.param('owner'), c.req.param('repo'))),
  );
  api.get('/repositories/:id/pulls', (c) =>
    listPulls(
      c,
      [index.repoById(c.req.param('id'))].find((r) => r !== undefined && visible(c, r)),
    ),
  );
}

function positive(text: string | null): number | undefined {
  const value = text === null || !/^\d+$/.test(text) ? Number.NaN : Number(text);
  return value >= 1 ? value : undefined;
}

/**
 * The simulator app: GitHub's REST API at `/` and at `/api/v3` (the GitHub Enterprise Server layout).
 * @example const app = githubApp({ data: generateData(1), token: 'ghp_x', clock: systemClock });
 */
export function githubApp(options: GithubAppOptions): Hono<Env> {
  // Route on the path without the Enterprise prefix; c.req.url keeps it, so Link URLs do too.
  const app = new Hono<Env>({ getPath: (req) => new URL(req.url).pathname.replace(/^\/api\/v3(?=\/)/, '') });
  const latencyMs = options.latencyMs ?? 0;
  app.use('*', async (c, next) => {
    const url = new URL(c.req.url);
    options.requests?.push(url.pathname + url.search);
    // Before the rate limit, so the headers tell the budget at the moment the response leaves.
    if (latencyMs > 0) await options.clock.sleep(latencyMs, c.req.raw.signal);
    await next();
  });
  if (options.before) app.use('*', options.before);
  apiRoutes(app, options);
  app.notFound((c) => error(c, 404, 'Not Found'));
  return app;
}
