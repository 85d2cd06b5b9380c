/**
 * Webhook registration in the Jira simulator: GET /rest/api/3/mypermissions (the global ADMINISTER
 * permission), admin webhooks at /rest/webhooks/1.0/webhook (developer.atlassian.com/cloud/jira/
 * platform/webhooks: administrators only, a plain array when listed, the secret never shown), and
 * the dynamic webhooks of OAuth 2.0 apps at /rest/api/3/webhook (…/rest/v3/api-group-webhooks: a
 * page of `values`, one URL per app; Basic auth is refused).
 */
import type { Context, Hono } from 'hono';
import type { Clock } from '../../../src/http/clock.js';
import type { JiraData } from './data.js';
import { renderProject } from './render.js';

export interface AdminWebhook {
  id: number;
  name: string;
  url: string;
  events: string[];
  filters: Record<string, string>;
  excludeBody: boolean;
  secret?: string;
}

export interface DynamicWebhook {
  id: number;
  url: string;
  events: string[];
  jqlFilter: string;
  expirationDate: number;
}

export interface JiraHookState {
  /** Whether the simulator's user holds the global ADMINISTER permission. */
  administer: boolean;
  admin: AdminWebhook[];
  dynamic: DynamicWebhook[];
  /** `METHOD /path` of every permission and webhook request, in arrival order. */
  calls: string[];
}

const errorBody = (message: string) => ({ errorMessages: [message], errors: {}, warningMessages: [] });
const THIRTY_DAYS = 30 * 86_400_000;

const isBearer = (c: Context) => /^bearer\s/i.test(c.req.header('authorization') ?? '');

/** The admin webhook as GET and POST show it (no secret). */
function adminJson(origin: string, hook: AdminWebhook) {
  return {
    name: hook.name,
    url: hook.url,
    excludeBody: hook.excludeBody,
    filters: hook.filters,
    events: hook.events,
    enabled: true,
    self: `${origin}/rest/webhooks/1.0/webhook/${hook.id}`,
    lastUpdatedUser: '5b10a2844c20165700ede21g',
    lastUpdatedDisplayName: 'Simulator User',
    lastUpdated: 1_700_000_000_000,
  };
}

/** Mount the routes; they run after the simulator's auth check. */
export function jiraWebhookRoutes(
  app: Hono,
  options: { state: JiraHookState; clock: Clock; data: JiraData },
): void {
  const { state, clock } = options;
  // GET /rest/api/3/project/{projectIdOrKey}: what a project webhook's summary is read back with.
  app.get('/rest/api/3/project/:idOrKey', (c) => {
    const wanted = c.req.param('idOrKey');
    const project = options.data.projects.find((p) => p.key === wanted || p.id === wanted);
    if (!project) return c.json(errorBody(`No project could be found with key '${wanted}'.`), 404);
    return c.json(renderProject(new URL(c.req.url).origin, project));
  });
  let nextId = 1;
  app.use('/rest/*', async (c, next) => {
    const path = new URL(c.req.url).pathname;
    if (
      path.startsWith('/rest/webhooks/') ||
      path === '/rest/api/3/webhook' ||
      path.endsWith('/mypermissions')
    ) {
      state.calls.push(`${c.req.method} ${path}`);
    }
    await next();
  });

  app.get('/rest/api/3/mypermissions', (c) => {
    const wanted = (c.req.query('permissions') ?? '').split(',').filter(Boolean);
    if (wanted.length === 0) return c.json(errorBody("The 'permissions' query parameter is required."), 400);
    const permissions: Record<string, unknown> = {};
    for (const key of wanted) {
      permissions[key] = {
        id: key === 'ADMINISTER' ? '0' : '10',
        key,
        name: key === 'ADMINISTER' ? 'Administer Jira' : key,
        type: 'GLOBAL',
        description: key === 'ADMINISTER' ? 'Create and administer projects, issue types, fields …' : '',
        havePermission: key === 'ADMINISTER' ? state.administer : true,
      };
    }
    return c.json({ permissions });
  });

  const forbidden = (c: Context) =>
    c.json(errorBody('You do not have the permission to perform this operation.'), 403);
  app.get('/rest/webhooks/1.0/webhook', (c) => {
    if (!state.administer) return forbidden(c);
    return c.json(state.admin.map((h) => adminJson(new URL(c.req.url).origin, h)));
  });
  app.post('/rest/webhooks/1.0/webhook', async (c) => {
    if (!state.administer) return forbidden(c);
    const body = (await c.req.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (typeof body?.name !== 'string' || typeof body.url !== 'string' || !/^https?:\/\//.test(body.url)) {
      return c.json(errorBody('A webhook needs a name and an http(s) url.'), 400);
    }
    const hook: AdminWebhook = {
      id: nextId++,
      name: body.name,
      url: body.url,
      events: Array.isArray(body.events) ? body.events.map(String) : [],
      filters: (body.filters ?? {}) as Record<string, string>,
      excludeBody: body.excludeBody === true,
      ...(typeof body.secret === 'string' && body.secret !== '' && { secret: body.secret }),
    };
    state.admin.push(hook);
    return c.json(adminJson(new URL(c.req.url).origin, hook), 201);
  });

  const appsOnly = (c: Context) =>
    c.json(errorBody('Only Connect and OAuth 2.0 apps can use this operation.'), 403);
  app.get('/rest/api/3/webhook', (c) => {
    if (!isBearer(c)) return appsOnly(c);
    const startAt = Number(c.req.query('startAt') ?? 0) || 0;
    const maxResults = Math.min(Number(c.req.query('maxResults') ?? 100) || 100, 100);
    const values = state.dynamic.slice(startAt, startAt + maxResults).map((h) => ({
      id: h.id,
      events: h.events,
      jqlFilter: h.jqlFilter,
      expirationDate: new Date(h.expirationDate).toISOString().replace('Z', '+0000'),
    }));
    return c.json({
      isLast: startAt + values.length >= state.dynamic.length,
      maxResults,
      startAt,
      total: state.dynamic.length,
      values,
    });
  });
  app.post('/rest/api/3/webhook', async (c) => {
    if (!isBearer(c)) return appsOnly(c);
    const body = (await c.req.json().catch(() => undefined)) as
      | { url?: unknown; webhooks?: Array<{ events?: unknown; jqlFilter?: unknown }> }
      | undefined;
    if (typeof body?.url !== 'string' || !Array.isArray(body.webhooks)) {
      return c.json(errorBody('url and webhooks are required.'), 400);
    }
    const results = body.webhooks.map((w) => {
      const hook: DynamicWebhook = {
        id: 10_000 + nextId++,
        url: body.url as string,
        events: Array.isArray(w.events) ? w.events.map(String) : [],
        jqlFilter: typeof w.jqlFilter === 'string' ? w.jqlFilter : '',
        expirationDate: clock.now() + THIRTY_DAYS,
      };
      state.dynamic.push(hook);
      return { createdWebhookId: hook.id };
    });
    return c.json({ webhookRegistrationResult: results });
  });
}
