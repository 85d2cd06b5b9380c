import { type Context, Hono, type MiddlewareHandler } from 'hono';
import type { Clock } from '../../../src/http/clock.js';
import type { Contact, Group, Workspace } from './data.js';
import { decodeCursor, type ListPage, listPage, newestFirst, type Position } from './paging.js';

/**
 * A RapidPro API v2 lookalike (rapidpro/rapidpro temba/api/v2/views.py and its tests): `Authorization:
 * Token …`, the root at /api/v2.json, flows, groups and contacts with their documented filters, cursor
 * pagination, the per-workspace throttle (429 + Retry-After) and DRF's `{"detail": …}` error bodies.
 */
export interface RapidproAppOptions {
  workspace: Workspace;
  /** An administrator's token: reads everything. */
  token: string;
  /** A token whose user lacks permission for the endpoints (403); the root still answers it. */
  viewerToken: string;
  clock: Clock;
  /** Requests per hour per workspace. @default 2500 (the documented rate limit) */
  requestsPerHour?: number;
  /** @default 250 (RapidPro's page size) */
  pageSize?: number;
  /** Runs before authentication, like a proxy in front of the API (fault injection). */
  before?: MiddlewareHandler;
}

export interface RapidproApp {
  app: Hono;
  /** Path and query of every API request received, in order. */
  hits: string[];
  /** How many 429 responses were sent (the budget's and injected ones). */
  throttled(): number;
}

const HOUR = 3_600_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** DRF's body for a throttled request (rest_framework.exceptions.Throttled). */
export function throttledBody(seconds: number): { detail: string } {
  return {
    detail: `Request was throttled. Expected available in ${seconds} second${seconds === 1 ? '' : 's'}.`,
  };
}

/** @example const { app } = rapidproApp({ workspace, token, viewerToken, clock }); */
export function rapidproApp(options: RapidproAppOptions): RapidproApp {
  const { workspace, clock } = options;
  const pageSize = options.pageSize ?? 250;
  const budget = options.requestsPerHour ?? 2500;
  const history: number[] = [];
  const hits: string[] = [];
  let throttled = 0;
  const app = new Hono();

  app.use('/api/*', async (c, next) => {
    const url = new URL(c.req.url);
    hits.push(url.pathname + url.search);
    await next();
    if (c.res.status === 429) throttled += 1;
  });
  if (options.before) app.use('/api/*', options.before);

  // Authentication runs first, then permissions, then the throttle (DRF APIView.initial).
  app.use('/api/*', async (c, next) => {
    const header = c.req.header('authorization');
    const root = c.req.path === '/api/v2.json';
    if (header === undefined) {
      if (root) return next();
      return c.json({ detail: 'Authentication credentials were not provided.' }, 403);
    }
    const [scheme = '', value = ''] = header.trim().split(/\s+/, 2);
    const known =
      scheme.toLowerCase() === 'token' && (value === options.token || value === options.viewerToken);
    // RapidPro's token auth sends no WWW-Authenticate header, so DRF answers 403, not 401
    // (rapidpro temba/api/v2/tests/test_base.py; DRF "Unauthorized and Forbidden responses").
    if (!known) return c.json({ detail: 'Invalid token' }, 403);
    if (value === options.viewerToken && !root) {
      return c.json({ detail: 'You do not have permission to perform this action.' }, 403);
    }
    const now = clock.now();
    while (history.length > 0 && (history[0] ?? 0) <= now - HOUR) history.shift();
    if (history.length >= budget) {
      const wait = Math.max(1, Math.ceil(((history[0] ?? now) + HOUR - now) / 1000));
      return c.json(throttledBody(wait), 429, { 'retry-after': String(wait) });
    }
    history.push(now);
    c.header('x-temba-org', '1');
    return next();
  });

  app.get('/api/v2.json', (c) => {
    const base = new URL(c.req.url).origin;
    const names = ['contacts', 'fields', 'flow_starts', 'flows', 'groups', 'labels', 'messages', 'runs'];
    return c.json(Object.fromEntries(names.map((n) => [n, `${base}/api/v2/${n}`])));
  });

  app.get('/api/v2/flows.json', (c) => {
    const invalid = checkUuid(c);
    if (invalid) return invalid;
    const { uuid, type, archived } = c.req.query();
    let flows = workspace.flows.filter((f) => f.is_active);
    if (uuid) flows = flows.filter((f) => f.uuid === uuid.toLowerCase());
    if (type) flows = flows.filter((f) => f.type === type);
    if (archived) flows = flows.filter((f) => f.archived === truthy(archived));
    flows = beforeAfter(c, flows);
    return respond(
      c,
      flows.map(({ is_active: _, ...flow }) => flow),
      created,
    );
  });

  app.get('/api/v2/groups.json', (c) => {
    const invalid = checkUuid(c);
    if (invalid) return invalid;
    const { uuid, name } = c.req.query();
    if (uuid && name) return c.json({ detail: 'You may only specify one of the uuid, name parameters' }, 400);
    let groups = workspace.groups.filter((g) => g.status !== 'initializing');
    if (uuid) groups = groups.filter((g) => g.uuid === uuid.toLowerCase());
    if (name) groups = groups.filter((g) => g.name.toLowerCase() === name.toLowerCase());
    return respond(c, groups, created, ({ created_on: _, ...group }) => group);
  });

  app.get('/api/v2/contacts.json', (c) => {
    const invalid = checkUuid(c);
    if (invalid) return invalid;
    const { uuid, urn, group, deleted } = c.req.query();
    const deletedOnly = truthy(deleted ?? '');
    let contacts = workspace.contacts.filter((x) => x.is_active === !deletedOnly);
    if (uuid) contacts = contacts.filter((x) => x.uuid === uuid.toLowerCase());
    if (urn) contacts = contacts.filter((x) => x.urns.includes(urn));
    if (group) {
      const found = workspace.groups.find((g) => g.uuid === group || g.name === group);
      contacts = found ? contacts.filter((x) => inGroup(x, found)) : [];
    }
    contacts = beforeAfter(c, contacts);
    // A deleted contact is listed by its uuid alone.
    const shape = (x: Contact) => (x.is_active ? withoutActive(x) : { uuid: x.uuid });
    return respond(c, contacts, modified, shape);
  });

  // Django's own 404 page for anything else under the API.
  app.all('/api/*', (c) =>
    c.html(
      '<!doctype html><html><head><title>Not Found</title></head><body><h1>Not Found</h1></body></html>',
      404,
    ),
  );

  function respond<T, U>(
    c: Context,
    items: T[],
    position: (item: T) => Position,
    shape: (item: T) => U = (item) => item as unknown as U,
  ) {
    const text = c.req.query('cursor');
    const cursor = text === undefined ? undefined : decodeCursor(text);
    if (text !== undefined && !cursor) return c.json({ detail: 'Invalid cursor' }, 404);
    const page = listPage(newestFirst(items, position), position, c.req.url, cursor, pageSize);
    const body: ListPage<U> = { ...page, results: page.results.map(shape) };
    return c.json(body);
  }

  return { app, hits, throttled: () => throttled };
}

const created = (item: { created_on: string; uuid: string }): Position => ({
  at: item.created_on,
  uuid: item.uuid,
});
const modified = (item: { modified_on: string; uuid: string }): Position => ({
  at: item.modified_on,
  uuid: item.uuid,
});

function withoutActive({ is_active: _, ...contact }: Contact) {
  return contact;
}

function inGroup(contact: Contact, group: Group): boolean {
  if (group.system) return contact.status === group.name.toLowerCase();
  return contact.groups.some((g) => g.uuid === group.uuid);
}

function truthy(text: string): boolean {
  return ['true', '1', 'yes', 'y'].includes(text.toLowerCase());
}

/** `?uuid=` must be a UUID (BaseEndpoint.get_uuid_param raises InvalidQueryError, a 400). */
function checkUuid(c: Context): Response | undefined {
  const uuid = c.req.query('uuid');
  if (uuid !== undefined && uuid !== '' && !UUID.test(uuid)) {
    return c.json({ detail: 'Value for uuid must be a valid UUID' }, 400);
  }
  return undefined;
}

/**
 * `before` / `after` on `modified_on`, both inclusive (ListAPIMixin.filter_before_after); a value that is
 * not a datetime matches nothing.
 */
function beforeAfter<T extends { modified_on: string }>(c: Context, items: T[]): T[] {
  let out = items;
  for (const [param, keep] of [
    ['before', (v: number, bound: number) => v <= bound],
    ['after', (v: number, bound: number) => v >= bound],
  ] as const) {
    const text = c.req.query(param);
    if (!text) continue;
    const bound = microseconds(text);
    out = bound === undefined ? [] : out.filter((item) => keep(microseconds(item.modified_on) ?? 0, bound));
  }
  return out;
}

/** Microseconds since the epoch of an ISO 8601 datetime (RapidPro keeps microseconds), or undefined. */
export function microseconds(text: string): number | undefined {
  const match = /^(.*T\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim());
  const iso = match ? `${match[1]}${match[3] ?? 'Z'}` : text.trim();
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(iso) ? `${iso}T00:00:00Z` : iso);
  if (Number.isNaN(ms)) return undefined;
  const fraction = (match?.[2] ?? '').padEnd(6, '0').slice(0, 6);
  return ms * 1000 + Number(fraction);
}
