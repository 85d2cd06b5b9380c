/**
 * A Hono app answering like the Octopus REST API (https://octopus.com/docs/octopus-rest-api):
 * `X-Octopus-ApiKey` (or `?apikey=`) auth, resource collections paged with `skip`/`take`
 * (default 30) in the `{ ItemType, TotalResults, ItemsPerPage, NumberOfPages, LastPageNumber,
 * Items, Links }` envelope, releases and deployments newest first.
 */
import { type Context, Hono } from 'hono';
import { collection } from './collection.js';
import { newestFirst, type OctopusData } from './data.js';
import { forbidden, notFound, UNAUTHORIZED } from './octopus-errors.js';
import { type SubscriptionState, subscriptionRoutes } from './subscriptions.js';

export interface OctopusAppOptions {
  data: OctopusData;
  /** The key with full read access. */
  apiKey: string;
  /** A valid key whose user lacks SpaceView: every data request answers 403. */
  forbiddenKey: string;
  /** Every request's path and query, in arrival order (after auth and faults). */
  hits: string[];
  /** Subscriptions (GET/POST /api/{space}/subscriptions) and single deployments/releases by id. */
  subscriptions?: SubscriptionState;
}

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

  if (options.subscriptions) subscriptionRoutes(app, { data, state: options.subscriptions });

  app.notFound((c) => c.json(notFound(new URL(c.req.url).pathname), 404));
  return app;
}

const hasSpace = (data: OctopusData, spaceId: string) => data.spaces.some((s) => s.Id === spaceId);

function listParam(c: Context, name: string): string[] | undefined {
  const value = c.req.query(name);
  return value ? value.split(',').filter((v) => v !== '') : undefined;
}
