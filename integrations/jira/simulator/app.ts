/**
 * A Jira Cloud REST v3 simulator: GET /rest/api/3/myself, /project/search (offset pages) and
 * /search/jql (nextPageToken pages, `fields`, a JQL subset), Basic (email + API token) or Bearer
 * (OAuth 2.0) auth with Jira's 401, and Jira's error bodies. Routes read `data` at request time.
 */
import { type Context, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Clock } from '../../../src/http/clock.js';
import type { FaultSpec } from '../../../src/testing/faults.js';
import type { JiraData, JiraUser } from './data.js';
import { type FaultCounts, jiraFaults } from './jira-faults.js';
import { compileJql, JqlError } from './jql.js';
import { onlyKeys, parseFieldsParam, renderIssue, renderProject, renderUser } from './render.js';
import { type JiraHookState, jiraWebhookRoutes } from './webhooks.js';

export interface JiraCredentials {
  email: string;
  apiToken: string;
  /** Accepted as `Authorization: Bearer` (an OAuth 2.0 3LO access token). */
  oauthToken: string;
}

export interface JiraAppOptions {
  data: JiraData;
  credentials: JiraCredentials;
  clock: Clock;
  faults?: FaultSpec;
  faultCounts: FaultCounts;
  /** Largest search/jql page when fields are requested ("may return fewer items per page"). @default 100 */
  searchPageSize?: number;
  /** Every API request's path and query, in arrival order. */
  hits: string[];
  /** Permission and webhook routes (mypermissions, /rest/webhooks/1.0/webhook, /rest/api/3/webhook). */
  webhooks?: JiraHookState;
}

// Jira's own limits: project/search pages hold at most 50; search/jql 5000 when only ids/keys are asked for.
const PROJECT_PAGE_MAX = 50;
const KEYS_ONLY_PAGE_MAX = 5000;

/** Jira's ErrorCollection body. */
const errorBody = (message: string) => ({ errorMessages: [message], errors: {}, warningMessages: [] });

/**
 * The Hono app; mount under any origin (`self` links are built from the request's origin).
 * @example const app = jiraApp({ data, credentials, clock: systemClock, faultCounts, hits: [] });
 */
export function jiraApp(options: JiraAppOptions): Hono {
  const { data, credentials, clock } = options;
  const app = new Hono();
  const origin = (c: Context) => new URL(c.req.url).origin;

  app.use('/rest/*', async (c, next) => {
    const url = new URL(c.req.url);
    options.hits.push(url.pathname + url.search);
    await next();
  });
  if (options.faults) app.use('/rest/*', jiraFaults(options.faults, clock, options.faultCounts));

  // Basic auth with email + API token, or a Bearer OAuth token (developer.atlassian.com …/basic-auth-for-rest-apis).
  app.use('/rest/*', async (c, next) => {
    if (authenticated(c.req.header('authorization') ?? '', credentials)) return next();
    // What Jira Cloud answers for a wrong email or token (observed on GET /rest/api/3/myself).
    c.header('www-authenticate', `OAuth realm="${encodeURIComponent(origin(c))}"`);
    c.header('x-seraph-loginreason', 'AUTHENTICATED_FAILED');
    return c.text('Client must be authenticated to access this resource.', 401);
  });

  const me: JiraUser = data.users[0] ?? {
    accountId: '5b10a2844c20165700ede21g',
    displayName: 'Simulator User',
    emailAddress: credentials.email,
    timeZone: 'UTC',
  };
  app.get('/rest/api/3/myself', (c) =>
    c.json({
      ...renderUser(origin(c), { ...me, emailAddress: credentials.email }),
      locale: 'en_US',
      groups: { size: 1, items: [] },
      applicationRoles: { size: 1, items: [] },
      expand: 'groups,applicationRoles',
    }),
  );

  app.get('/rest/api/3/project/search', (c) => {
    const startAt = intQuery(c, 'startAt', 0);
    const maxResults = Math.min(intQuery(c, 'maxResults', 50), PROJECT_PAGE_MAX);
    const sorted = [...data.projects].sort((a, b) => a.key.localeCompare(b.key));
    const values = sorted.slice(startAt, startAt + maxResults).map((p) => renderProject(origin(c), p));
    const isLast = startAt + maxResults >= sorted.length;
    const self = new URL(c.req.url);
    const next = new URL(self);
    next.searchParams.set('startAt', String(startAt + maxResults));
    next.searchParams.set('maxResults', String(maxResults));
    return c.json({
      self: self.href,
      ...(!isLast && { nextPage: next.href }),
      maxResults,
      startAt,
      total: sorted.length,
      isLast,
      values,
    });
  });

  app.get('/rest/api/3/search/jql', (c) => {
    const jql = c.req.query('jql') ?? '';
    let compiled: ReturnType<typeof compileJql>;
    let matched: JiraData['issues'];
    try {
      compiled = compileJql(jql, data, clock.now());
      if (!compiled.bounded) {
        return c.json(
          errorBody(
            'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.',
          ),
          400,
        );
      }
      matched = data.issues.filter((i) => compiled.matches(i)).sort(compiled.compare);
    } catch (error) {
      if (error instanceof JqlError) return c.json(errorBody(error.message), 400);
      throw error;
    }
    const wanted = parseFieldsParam(c.req.queries('fields') ?? []);
    const cap = onlyKeys(wanted) ? KEYS_ONLY_PAGE_MAX : (options.searchPageSize ?? 100);
    const maxResults = Math.min(intQuery(c, 'maxResults', 50), cap);
    const token = c.req.query('nextPageToken');
    const offset = token ? readToken(token, jql) : 0;
    if (offset === undefined)
      return c.json(errorBody('The provided next page token is invalid or expired.'), 400);
    const page = matched.slice(offset, offset + maxResults);
    const end = offset + page.length;
    // The last page has no nextPageToken key at all (JRACLOUD-92184), only isLast: true.
    return c.json({
      issues: page.map((i) => renderIssue(origin(c), data, i, wanted)),
      ...(end < matched.length && { nextPageToken: makeToken(end, jql) }),
      isLast: end >= matched.length,
    });
  });

  if (options.webhooks) jiraWebhookRoutes(app, { state: options.webhooks, clock, data });

  app.notFound((c) => c.json(errorBody(`null for uri: ${c.req.url}`), 404));
  app.onError((error, c) => {
    if (error instanceof HTTPException) return c.json(errorBody(error.message), error.status);
    return c.json(errorBody('Internal server error'), 500);
  });
  return app;
}

function authenticated(header: string, credentials: JiraCredentials): boolean {
  const [scheme = '', ...rest] = header.split(' ');
  const param = rest.join(' ').trim();
  // Auth scheme names are case-insensitive (RFC 9110 §11.1).
  if (scheme.toLowerCase() === 'bearer') return param !== '' && param === credentials.oauthToken;
  if (scheme.toLowerCase() !== 'basic') return false;
  const decoded = Buffer.from(param, 'base64').toString('utf8');
  return decoded === `${credentials.email}:${credentials.apiToken}`;
}

function intQuery(c: Context, name: string, fallback: number): number {
  const text = c.req.query(name);
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new HTTPException(400, { message: `The '${name}' parameter must be a non-negative integer.` });
  }
  return value;
}

/** Opaque to clients: the offset, bound to the query it was issued for. */
function makeToken(offset: number, jql: string): string {
  return Buffer.from(JSON.stringify({ o: offset, q: jql })).toString('base64url');
}

function readToken(token: string, jql: string): number | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { o, q } = parsed as { o?: unknown; q?: unknown };
    return typeof o === 'number' && Number.isSafeInteger(o) && o >= 0 && q === jql ? o : undefined;
  } catch {
    return undefined;
  }
}
