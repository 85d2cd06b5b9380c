/**
 * A purpose-built loopback API for the `inlet sync` end-to-end tests: orgs → projects → tasks, teams
 * with members, events and labels, each list behind a different pagination style so one manifest
 * (fixture/inlet.yaml) exercises all six. Routes read `data` at request time, so a test can change
 * the upstream between two syncs.
 */
import { fileURLToPath } from 'node:url';
import { type Context, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { StoredEntity } from '../../catalog/index.js';
import type { Random } from '../../http/clock.js';
import { seededRandom } from '../../testing/prng.js';
import { intParam } from '../../testing/query-params.js';
import { serve } from '../../testing/serve.js';

interface Org {
  login: string;
  name: string;
  plan: 'free' | 'pro' | 'enterprise';
  founded: number;
}
interface Team {
  org: string;
  slug: string;
  name: string;
  members: Array<{ login: string; role: 'lead' | 'member' }>;
}
interface Project {
  id: string;
  org: string;
  name: string;
  visibility: 'public' | 'private';
}
interface Task {
  id: string;
  project_id: string;
  title: string;
  status: 'open' | 'done' | 'archived';
  points: number;
}
interface ApiEvent {
  id: string;
  type: string;
  org: string;
  created_at: string;
}
interface Label {
  id: number;
  name: string;
  color: string;
}

/** The upstream dataset; every array may be replaced or edited between requests. */
export interface TestData {
  orgs: Org[];
  teams: Team[];
  projects: Project[];
  tasks: Task[];
  events: ApiEvent[];
  labels: Label[];
}

interface TestApiOptions {
  /** @default 1 */
  seed?: number;
  /** @default 4 (acme, beta, gamma, delta) */
  orgs?: number;
  /** @default 12 */
  projectsPerOrg?: number;
  /** Each project gets 0..this many tasks. @default 7 */
  maxTasksPerProject?: number;
  /** @default 3 */
  teamsPerOrg?: number;
  /** @default 23 */
  events?: number;
  /** @default 10 */
  labels?: number;
  /** The bearer token every request must carry. @default 'e2e-token-5f3c9a' */
  token?: string;
  /** Real-time delay before answering each request (the kill test needs a sync that takes a while). @default 0 */
  delayMs?: number;
}

export interface TestApi {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  token: string;
  /** Path and query of every request received, in arrival order (also the rejected ones). */
  hits: string[];
  data: TestData;
  /** Requests whose path and query match answer 500, always. */
  failPath?: RegExp;
  delayMs: number;
  close(): Promise<void>;
}

/** The integration folder of the fixture manifest (tests run from the source tree, where it lives). */
export const FIXTURE_DIR = fileURLToPath(new URL('./fixture', import.meta.url));

const ORG_NAMES = ['acme', 'beta', 'gamma', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];
const PEOPLE = ['ada', 'bob', 'cyd', 'dee', 'eve', 'fox', 'gus', 'hal', 'ivy', 'jon', 'kim', 'lou'];
const pad = (n: number) => String(n).padStart(2, '0');

/**
 * A reproducible dataset: the same seed and sizes always give the same data.
 * @example makeTestData({ seed: 7, orgs: 2 }).projects.length // 24
 */
function makeTestData(options: TestApiOptions = {}): TestData {
  const random = seededRandom(options.seed ?? 1);
  const int = (max: number) => Math.floor(random() * (max + 1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const data: TestData = { orgs: [], teams: [], projects: [], tasks: [], events: [], labels: [] };
  const orgs = ORG_NAMES.slice(0, options.orgs ?? 4);
  for (const login of orgs) {
    data.orgs.push({
      login,
      name: `${login[0]?.toUpperCase()}${login.slice(1)} Inc.`,
      plan: pick(['free', 'pro', 'enterprise'] as const),
      founded: 1990 + int(30),
    });
    for (let t = 1; t <= (options.teamsPerOrg ?? 3); t++) {
      const members = shuffled(PEOPLE, random).slice(0, 1 + int(3));
      data.teams.push({
        org: login,
        slug: `team-${t}`,
        name: `${login} team ${t}`,
        members: members.map((person, i) => ({ login: person, role: i === 0 ? 'lead' : 'member' })),
      });
    }
    for (let p = 1; p <= (options.projectsPerOrg ?? 12); p++) {
      const id = `${login}-p${pad(p)}`;
      data.projects.push({
        id,
        org: login,
        name: `Project ${p} of ${login}`,
        visibility: pick(['public', 'private']),
      });
      const tasks = int(options.maxTasksPerProject ?? 7);
      for (let k = 1; k <= tasks; k++) {
        data.tasks.push({
          id: `${id}-t${k}`,
          project_id: id,
          title: `Task ${k} of ${id}`,
          status: pick(['open', 'open', 'done', 'archived'] as const),
          points: 1 + int(7),
        });
      }
    }
  }
  const start = Date.UTC(2024, 0, 1);
  for (let e = 1; e <= (options.events ?? 23); e++) {
    data.events.push({
      id: `ev-${pad(e)}`,
      type: pick(['push', 'deploy', 'comment']),
      org: pick(orgs),
      created_at: new Date(start + e * 3_600_000).toISOString(),
    });
  }
  for (let l = 1; l <= (options.labels ?? 10); l++) {
    data.labels.push({ id: l, name: `label-${pad(l)}`, color: pick(['red', 'green', 'blue', 'gray']) });
  }
  return data;
}

function shuffled<T>(list: readonly T[], random: Random): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** GitHub-style `Link` (RFC 8288) with absolute URLs built from the request URL. */
function linkHeader(requestUrl: string, page: number, lastPage: number): string | undefined {
  const at = (p: number, rel: string) => {
    const url = new URL(requestUrl);
    url.searchParams.set('page', String(p));
    return `<${url.href}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page < lastPage) links.push(at(page + 1, 'next'), at(lastPage, 'last'));
  if (page > 1) links.push(at(page - 1, 'prev'), at(1, 'first'));
  return links.length > 0 ? links.join(', ') : undefined;
}

const encodeCursor = (offset: number) => Buffer.from(`offset:${offset}`).toString('base64url');

function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined || cursor === '') return 0;
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match?.[1]) throw new HTTPException(400, { message: 'invalid cursor' });
  return Number(match[1]);
}

function routes(api: TestApi): Hono {
  const app = new Hono();

  app.use(async (c, next) => {
    const url = new URL(c.req.url);
    api.hits.push(url.pathname + url.search);
    if (api.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, api.delayMs));
    if (c.req.header('authorization') !== `Bearer ${api.token}`) {
      return c.json({ message: 'Bad credentials' }, 401);
    }
    if (api.failPath?.test(url.pathname + url.search)) return c.json({ message: 'injected failure' }, 500);
    await next();
  });

  const orgOr404 = (c: Context): Org => {
    const org = api.data.orgs.find((o) => o.login === c.req.param('org'));
    if (!org) throw new HTTPException(404, { message: 'Not Found' });
    return org;
  };

  // pagination `none`: one object.
  app.get('/orgs/:org', (c) => c.json(orgOr404(c)));

  // pagination `offset` (Jira style): ?startAt&maxResults → { startAt, maxResults, total, values }.
  app.get('/orgs/:org/teams', (c) => {
    const org = orgOr404(c);
    const startAt = intParam(c, 'startAt', 0, 0);
    const maxResults = intParam(c, 'maxResults', 50, 1, 50);
    const teams = api.data.teams.filter((t) => t.org === org.login);
    return c.json({
      startAt,
      maxResults,
      total: teams.length,
      values: teams.slice(startAt, startAt + maxResults),
    });
  });

  // pagination `link` (GitHub style): ?page&per_page → array, next page in the Link header.
  app.get('/orgs/:org/projects', (c) => {
    const org = orgOr404(c);
    const page = intParam(c, 'page', 1, 1);
    const perPage = intParam(c, 'per_page', 30, 1, 100);
    const projects = api.data.projects.filter((p) => p.org === org.login);
    const link = linkHeader(c.req.url, page, Math.max(1, Math.ceil(projects.length / perPage)));
    if (link) c.header('link', link);
    return c.json(projects.slice((page - 1) * perPage, page * perPage));
  });

  // pagination `cursor`: ?cursor&limit&state → { tasks, next_cursor }.
  app.get('/projects/:id/tasks', (c) => {
    const id = c.req.param('id');
    if (!api.data.projects.some((p) => p.id === id)) throw new HTTPException(404, { message: 'Not Found' });
    const offset = decodeCursor(c.req.query('cursor'));
    const limit = intParam(c, 'limit', 10, 1, 100);
    const state = c.req.query('state') ?? 'all';
    const tasks = api.data.tasks.filter(
      (t) => t.project_id === id && (state === 'all' || t.status === state),
    );
    const next = offset + limit < tasks.length ? encodeCursor(offset + limit) : null;
    return c.json({ tasks: tasks.slice(offset, offset + limit), next_cursor: next });
  });

  // pagination `nextUrl` (Django REST style, relative link): ?page → { count, results, next }.
  app.get('/events', (c) => {
    const page = intParam(c, 'page', 1, 1);
    const size = 10;
    const { events } = api.data;
    const next = page * size < events.length ? `/events?page=${page + 1}` : null;
    return c.json({ count: events.length, results: events.slice((page - 1) * size, page * size), next });
  });

  // pagination `page` (Laravel style): ?page → { data, current_page, last_page }.
  app.get('/labels', (c) => {
    const page = intParam(c, 'page', 1, 1);
    const size = 4;
    const { labels } = api.data;
    const last = Math.max(1, Math.ceil(labels.length / size));
    return c.json({
      data: labels.slice((page - 1) * size, page * size),
      current_page: page,
      last_page: last,
    });
  });

  app.onError((error, c) => {
    if (error instanceof HTTPException) return c.json({ message: error.message }, error.status);
    return c.json({ message: 'internal error' }, 500);
  });
  return app;
}

/**
 * Start the test API on 127.0.0.1 with a seeded dataset.
 * @example
 * const api = await startTestApi({ seed: 3 });
 * api.data.tasks.splice(0, 5); // removed upstream
 * await api.close();
 */
export async function startTestApi(options: TestApiOptions = {}): Promise<TestApi> {
  const api: TestApi = {
    url: '',
    token: options.token ?? 'e2e-token-5f3c9a',
    hits: [],
    data: makeTestData(options),
    delayMs: options.delayMs ?? 0,
    close: async () => {},
  };
  const served = await serve(routes(api));
  api.url = served.url;
  api.close = () => served.close();
  return api;
}

/** The `--set` values the fixture needs to read `api` (orgs: the first three of the dataset). */
export function fixtureSettings(
  api: TestApi,
  orgs = api.data.orgs.slice(0, 3).map((o) => o.login),
): string[] {
  return [`baseUrl=${api.url}`, `token=${api.token}`, `orgs=${orgs.join(',')}`];
}

/** `inlet catalog export`'s ndjson line for an entity (cli-and-catalog contract): no timestamps. */
export function exportLine(e: StoredEntity): string {
  return JSON.stringify({
    blueprint: e.blueprint,
    identifier: e.identifier,
    title: e.title,
    properties: e.properties,
    relations: e.relations,
  });
}
