/**
 * Organization webhooks of the GitHub simulator (docs.github.com/rest/orgs/webhooks): list and
 * create, only for an organization owner whose token has the `admin:org_hook` scope, GitHub's 422
 * for a second hook with the same URL, and the secret never echoed (`config.secret: "********"`).
 */
import type { Context, Hono } from 'hono';
import type { Clock } from '../../../src/http/clock.js';
import type { SimOrg } from './data.js';

export interface SimHook {
  id: number;
  org: string;
  events: string[];
  active: boolean;
  config: { url: string; content_type: string; insecure_ssl: string; secret?: string };
  createdAt: string;
  updatedAt: string;
}

/**
 * What the simulator's token may do with org hooks: `admin` (an owner with `admin:org_hook`),
 * `member` (not an owner: 404, as GitHub hides the hooks), `no-scope` (an owner's classic token
 * without the scope: 404 with the `x-accepted-oauth-scopes` header naming it).
 */
export type HookAccess = 'admin' | 'member' | 'no-scope';

export interface HookState {
  hooks: SimHook[];
  access: HookAccess;
  /** `METHOD /path` of every hook request, in arrival order. */
  calls: string[];
}

type Env = { Variables: { authenticated: boolean; api: string } };

const DOCS = 'https://docs.github.com/rest/orgs/webhooks';
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A hook as the API shows it: the secret masked. */
export function hookJson(api: string, hook: SimHook) {
  const { secret, ...config } = hook.config;
  const self = `${api}/orgs/${hook.org}/hooks/${hook.id}`;
  return {
    type: 'Organization',
    id: hook.id,
    name: 'web',
    active: hook.active,
    events: hook.events,
    config: secret === undefined ? config : { ...config, secret: '********' },
    updated_at: hook.updatedAt,
    created_at: hook.createdAt,
    url: self,
    ping_url: `${self}/pings`,
    deliveries_url: `${self}/deliveries`,
  };
}

/** The org hook routes on the simulator's API app. */
export function hookRoutes(
  api: Hono<Env>,
  options: { state: HookState; clock: Clock; findOrg: (login: string) => SimOrg | undefined },
): void {
  const { state, clock } = options;
  let nextId = 400_000_000;
  const notFound = (c: Context<Env>) =>
    c.json({ message: 'Not Found', documentation_url: DOCS, status: '404' }, 404);
  /** The org, or a Response refusing the request. */
  const allowed = (c: Context<Env>): SimOrg | Response => {
    state.calls.push(`${c.req.method} ${new URL(c.req.url).pathname}`);
    const org = options.findOrg(c.req.param('org') ?? '');
    if (!org) return notFound(c);
    if (!c.get('authenticated')) {
      return c.json({ message: 'Requires authentication', documentation_url: DOCS, status: '401' }, 401);
    }
    if (state.access === 'no-scope') {
      c.header('x-oauth-scopes', 'repo, read:org');
      c.header('x-accepted-oauth-scopes', 'admin:org_hook, read:org_hook');
      return notFound(c);
    }
    return state.access === 'member' ? notFound(c) : org;
  };

  api.get('/orgs/:org/hooks', (c) => {
    const org = allowed(c);
    if (org instanceof Response) return org;
    const hooks = state.hooks.filter((h) => h.org === org.login);
    return c.json(hooks.map((h) => hookJson(c.get('api'), h)));
  });

  api.post('/orgs/:org/hooks', async (c) => {
    const org = allowed(c);
    if (org instanceof Response) return org;
    const body = (await c.req.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    const config = (body?.config ?? {}) as Record<string, unknown>;
    const invalid = (message: string) =>
      c.json(
        {
          message: 'Validation Failed',
          errors: [{ resource: 'Hook', code: 'custom', message }],
          documentation_url: `${DOCS}#create-an-organization-webhook`,
          status: '422',
        },
        422,
      );
    if (body?.name !== 'web') return invalid('Name must be "web"');
    if (typeof config.url !== 'string' || !/^https?:\/\//.test(config.url)) {
      return invalid('Config must contain url for webhook hook');
    }
    if (state.hooks.some((h) => h.org === org.login && h.config.url === config.url)) {
      return invalid('Hook already exists on this organization');
    }
    const now = iso(clock.now());
    const hook: SimHook = {
      id: nextId++,
      org: org.login,
      events: Array.isArray(body.events) ? body.events.map(String) : ['push'],
      active: body.active !== false,
      config: {
        url: config.url,
        content_type: typeof config.content_type === 'string' ? config.content_type : 'form',
        insecure_ssl: String(config.insecure_ssl ?? '0'),
        ...(typeof config.secret === 'string' && config.secret !== '' && { secret: config.secret }),
      },
      createdAt: now,
      updatedAt: now,
    };
    state.hooks.push(hook);
    return c.json(hookJson(c.get('api'), hook), 201);
  });
}
