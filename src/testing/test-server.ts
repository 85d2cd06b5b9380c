import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { type Clock, systemClock } from '../http/clock.js';
import { type AcceptedCredentials, credentialCheck } from './credentials.js';
import { type Item, makeItems } from './dataset.js';
import { type FaultSpec, faultInjector } from './faults.js';
import { fixtureRoutes } from './fixture-routes.js';
import { itemRoutes } from './item-routes.js';
import { type OAuthOptions, oauthServer, type TokenCounters } from './oauth.js';
import { rateLimiter } from './rate-limiter.js';
import { type RecordedRequest, RequestLog } from './request-log.js';
import { serve } from './serve.js';

export interface TestServerOptions {
  /** All server time (rate-limit windows, Retry-After blocks, token expiry). @default systemClock */
  clock?: Clock;
  /** Dataset size. @default 50 */
  items?: number;
  /** Dataset, fault and token seed. @default 1 */
  seed?: number;
  /** When set (or `oauth` is), every /api route requires one of these; 401 `{ message: "Bad credentials" }` otherwise. */
  credentials?: AcceptedCredentials;
  /** Serves POST /oauth/token; the access tokens it issues are accepted as bearer tokens on /api. */
  oauth?: OAuthOptions;
  /** Fault injection on /api routes; `seed` defaults to the server's seed. */
  faults?: FaultSpec;
  /** GitHub-style primary budget for the whole server, on /api routes. */
  rateLimit?: { limit: number; windowMs: number; firstWindow?: { remaining: number; resetInMs: number } };
  /** Origin the /api/cross/* routes link and redirect to (typically a second test server). */
  otherOrigin?: string;
}

export interface TestServer {
  /** Base URL without a trailing slash: `${url}/api/link/items`. */
  url: string;
  origin: string;
  port: number;
  /** The dataset the item routes serve, in order. */
  items: readonly Item[];
  requests: RecordedRequest[];
  /** Requests received while the server had announced the budget exhausted or a Retry-After still running. */
  violations: RecordedRequest[];
  /** Token endpoint calls (all zero without `oauth`). */
  tokenRequests: TokenCounters;
  close(): Promise<void>;
  /** Clear the logs and counters and restart faults, rate limit and tokens from their initial state. */
  reset(): void;
}

/**
 * A loopback API with every pagination style, credential checks, seeded faults and a
 * GitHub-style rate limit, for testing clients end to end. Routes (JSON; every response has x-request-id):
 * - items in six pagination styles: /api/link/items (GitHub Link), /api/next/items (next URL),
 *   /api/cursor/items (Jira nextPageToken), /api/offset/items (startAt), /api/page/items (Octopus
 *   skip/take), /api/pages/items (page/last_page); /api/items/:id
 * - /api/echo, /api/echo-page, /api/status/:code, /api/slow?ms, /api/redirect?to&status
 * - /api/broken/{invalid-json,not-objects,bad-link,cursor-loop,huge?bytes}
 * - /api/cross/{link,next,redirect} pointing at `otherOrigin`; POST /oauth/token with `oauth`
 * @example
 * const clock = new VirtualClock();
 * const server = await startTestServer({ clock, faults: { rate: 0.2, seed: 7 } });
 * const res = await fetch(`${server.url}/api/link/items?per_page=10`);
 * await server.close();
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const clock = options.clock ?? systemClock;
  const seed = options.seed ?? 1;
  const items = makeItems(options.items ?? 50, seed);
  const log = new RequestLog(clock);
  const oauth = options.oauth ? oauthServer({ ...options.oauth, clock, seed }) : undefined;
  const faults = options.faults
    ? faultInjector(
        { ...options.faults, seed: options.faults.seed ?? seed },
        { clock, onFault: (c, kind) => log.markFault(c, kind), onViolation: (c) => log.markViolation(c) },
      )
    : undefined;
  const limiter = options.rateLimit
    ? rateLimiter({ ...options.rateLimit, clock, onViolation: (c) => log.markViolation(c) })
    : undefined;

  const app = new Hono();
  app.use('*', log.middleware);
  if (faults) app.use('/api/*', faults.middleware);
  if (options.credentials || oauth) {
    app.use(
      '/api/*',
      credentialCheck(options.credentials ?? {}, {
        acceptBearer: (token) => oauth?.isValidAccessToken(token) ?? false,
      }),
    );
  }
  if (limiter) app.use('/api/*', limiter.middleware);
  app.route('/api', itemRoutes(items));
  app.route('/api', fixtureRoutes({ items, otherOrigin: options.otherOrigin }));
  if (oauth) app.route('/oauth', oauth.app);
  app.notFound((c) => c.json({ message: 'Not Found' }, 404));
  app.onError((error, c) =>
    error instanceof HTTPException
      ? c.json({ message: error.message }, error.status)
      : c.json({ message: `Internal Server Error: ${error.message}` }, 500),
  );

  const served = await serve(app);
  return {
    url: served.url,
    origin: served.origin,
    port: served.port,
    items,
    requests: log.requests,
    violations: log.violations,
    tokenRequests: oauth?.counters ?? { total: 0, clientCredentials: 0, refreshToken: 0, rejected: 0 },
    close: served.close,
    reset() {
      log.reset();
      faults?.reset();
      limiter?.reset();
      oauth?.reset();
    },
  };
}
