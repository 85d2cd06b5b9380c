/**
 * A Hono app answering like the Octopus REST API (https://octopus.com/docs/octopus-rest-api):
 * `X-Octopus-ApiKey` (or `?apikey=`) auth, resource collections paged with `skip`/`take`
 * (default 30) in the `{ ItemType, TotalResults, ItemsPerPage, NumberOfPages, LastPageNumber,
 * Items, Links }` envelope, releases and deployments newest first.
 */
import { type Context, Hono } from 'hono';
import { newestFirst, type OctopusData } from './data.js';
import { forbidden, notFound, octopusError, UNAUTHORIZED } from './octopus-errors.js';

/** Octopus's default page size (`ItemsPerPage: 30` when `take` is not given). */
const DEFAULT_TAKE = 30;
/** `Page.All` links ask for int.MaxValue items. */
const ALL = 2_147_483_647;

export interface OctopusAppOptions {
  data: OctopusData;
  /** The key with full read access. */
  apiKey: string;
  /** A valid key whose user lacks SpaceView: every data request answers 403. */
  forbiddenKey: string;
  /** Every request's path and query, in arrival order (after auth and faults). */
  hits: string[];
}

type Json = Record<string, unknown>;

/**
 * Build the routes. Middleware mounted before this (faults) applies to `/api/*`.
 * @example const app = new Hono(); app.route('/', octopusRoutes({ data, apiKey, forbiddenKey, hits: [] }));
 */
export function octopusRoutes(options: OctopusAppOptions): Hono {
  const { data } = options;
  const app = new Hono();

  app.use('/api/*', async (c, next) => {
    const key = c.req.header('x-octopus-apikey') ?? c.req.query('apikey');
    if (key === options.forbiddenKey) return c.json(forbidden('SpaceView'), 403);
    if (key !== options.apiKey) return c.json(UNAUTHORIZED, 401);
    const url = new URL(c.req.url);
    options.hits.push(url.pathname + url.search);
    return next();
  });

  app.get('/api/spaces', (c) =>
    collection(c, 'Space', data.spaces, '/api/spaces', '{?skip,ids,take,partialName}'),
  );

  app.get('/api/:spaceId/projects', (c) => {
    const spaceId = c.req.param('spaceId');
    if (!hasSpace(data, spaceId)) return c.json(notFound(spaceId), 404);
    const projects = data.projects.filter((p) => p.SpaceId === spaceId);
    return collection(
      c,
      'Project',
      projects,
      `/api/${spaceId}/projects`,
      '{?name,skip,ids,clone,take,partialName}',
    );
  });

  app.get('/api/:spaceId/projects/:projectId/releases', (c) => {
    const { spaceId, projectId } = c.req.param();
    if (!data.projects.some((p) => p.Id === projectId && p.SpaceId === spaceId)) {
      return c.json(notFound(projectId), 404);
    }
    const releases = newestFirst(
      data.releases.filter((r) => r.ProjectId === projectId),
      (r) => r.Assembled,
    );
    const base = `/api/${spaceId}/projects/${projectId}/releases`;
    return collection(c, 'Release', releases, base, '{/version}{?skip,take,searchByVersion}');
  });

  app.get('/api/:spaceId/deployments', (c) => {
    const spaceId = c.req.param('spaceId');
    if (!hasSpace(data, spaceId)) return c.json(notFound(spaceId), 404);
    // `projects` and `environments` are comma-separated id lists (the collection's Template link).
    const projects = listParam(c, 'projects');
    const environments = listParam(c, 'environments');
    const deployments = newestFirst(
      data.deployments.filter(
        (d) =>
          d.SpaceId === spaceId &&
          (!projects || projects.includes(d.ProjectId)) &&
          (!environments || environments.includes(d.EnvironmentId)),
      ),
      (d) => d.Created,
    );
    const extra = { projects: projects?.join(','), environments: environments?.join(',') };
    const template = '{?skip,take,ids,projects,environments,tenants,channels,taskState,partialName}';
    return collection(c, 'Deployment', deployments, `/api/${spaceId}/deployments`, template, extra);
  });

  app.get('/api/:spaceId/machines', (c) => {
    const spaceId = c.req.param('spaceId');
    if (!hasSpace(data, spaceId)) return c.json(notFound(spaceId), 404);
    const machines = data.machines.filter((m) => m.SpaceId === spaceId);
    const template = '{?skip,take,name,ids,partialName,roles,isDisabled,healthStatuses,environmentIds}';
    return collection(c, 'DeploymentTarget', machines, `/api/${spaceId}/machines`, template);
  });

  app.notFound((c) => c.json(notFound(new URL(c.req.url).pathname), 404));
  return app;
}

const hasSpace = (data: OctopusData, spaceId: string) => data.spaces.some((s) => s.Id === spaceId);

function listParam(c: Context, name: string): string[] | undefined {
  const value = c.req.query(name);
  return value ? value.split(',').filter((v) => v !== '') : undefined;
}

/** A non-negative integer query parameter, or an Octopus 400 body when it is not one. */
function intParam(c: Context, name: string, fallback: number): number | Response {
  const text = c.req.query(name);
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text) || Number(text) > ALL) {
    return c.json(octopusError('There was a problem with your request.', [`Invalid ${name}: ${text}`]), 400);
  }
  return Number(text);
}

/** One page of `items` in Octopus's resource-collection envelope. */
function collection(
  c: Context,
  itemType: string,
  items: unknown[],
  base: string,
  template: string,
  extra: Record<string, string | undefined> = {},
): Response {
  const skip = intParam(c, 'skip', 0);
  if (skip instanceof Response) return skip;
  const take = intParam(c, 'take', DEFAULT_TAKE);
  if (take instanceof Response) return take;
  const total = items.length;
  const pages = take > 0 ? Math.ceil(total / take) : 0;
  const lastPage = Math.max(0, pages - 1);
  const link = (s: number, t: number) => {
    const query = new URLSearchParams({ skip: String(s), take: String(t) });
    for (const [key, value] of Object.entries(extra)) if (value) query.set(key, value);
    return `${base}?${query}`;
  };
  const links: Json = {
    Self: link(skip, take),
    Template: `${base}${template}`,
    'Page.All': link(0, ALL),
    'Page.Current': link(skip, take),
    'Page.Last': link(lastPage * take, take),
  };
  if (skip + take < total) links['Page.Next'] = link(skip + take, take);
  return c.json({
    ItemType: itemType,
    TotalResults: total,
    ItemsPerPage: take,
    NumberOfPages: pages,
    LastPageNumber: lastPage,
    Items: items.slice(skip, skip + take),
    Links: links,
  });
}
