/**
 * The HTTP side of `inlet serve` (docs/webhooks.md, "Routes"): the webhook path, /healthz,
 * /readyz and /metrics on Hono over node:http, and a graceful stop that finishes what is in flight.
 */
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer, type HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import type { DeliveryRequest } from './delivery.js';
import type { InletMetrics } from './metrics.js';
import { readCapped } from './read-body.js';

/** Readiness as /readyz reports it: ready once the catalog is open and the inbox is being applied. */
export interface ServerState {
  ready: boolean;
  stopping: boolean;
}

export interface WebhookAppOptions {
  /** `webhooks.path`. */
  path: string;
  /** The delivery handler (createDeliveryHandler). */
  deliver: (request: DeliveryRequest) => Promise<{ status: number; body: Record<string, unknown> }>;
  metrics: InletMetrics;
  state: ServerState;
}

const KNOWN = new Map([
  ['/healthz', 'GET'],
  ['/readyz', 'GET'],
  ['/metrics', 'GET'],
]);

/**
 * The routes; anything else is 404, a wrong method on a known path 405 with `Allow`.
 * @example const app = createWebhookApp({ path: '/webhooks/github', deliver, metrics, state });
 */
export function createWebhookApp(options: WebhookAppOptions): Hono {
  const { state, metrics } = options;
  const app = new Hono();
  const routes = new Map(KNOWN).set(options.path, 'POST');
  app.post(options.path, async (c) => {
    if (state.stopping) {
      c.header('Connection', 'close');
      return c.json({ status: 'stopping' }, 503);
    }
    const env = c.env as Partial<HttpBindings> | undefined;
    const answer = await options.deliver(deliveryRequest(c.req.raw, env?.incoming));
    return c.json(answer.body, answer.status as 200);
  });
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) =>
    state.ready && !state.stopping
      ? c.json({ status: 'ready' })
      : c.json({ status: state.stopping ? 'stopping' : 'starting' }, 503),
  );
  app.get('/metrics', async (c) => {
    const { contentType, text } = await metrics.expose();
    return c.body(text, 200, { 'Content-Type': contentType });
  });
  app.notFound((c) => {
    const allowed = routes.get(c.req.path);
    if (allowed) return c.json({ status: 'method not allowed' }, 405, { Allow: allowed });
    return c.json({ status: 'not found' }, 404);
  });
  app.onError((_error, c) => c.json({ status: 'error' }, 500));
  return app;
}

/**
 * On node:http the headers are read from the parsed message (no Fetch Headers object is built for
 * the request); elsewhere (app.request in a test) from the Request.
 */
function deliveryRequest(request: Request, incoming: IncomingMessage | undefined): DeliveryRequest {
  const headers = incoming?.headers ?? Object.fromEntries(request.headers);
  const declared = headers['content-length'];
  return {
    headers,
    body: (limit) => readCapped(request, limit, typeof declared === 'string' ? declared : undefined),
  };
}

/** A listening server: its URL, and `close` (stop accepting, finish in flight, then end the rest). */
export interface RunningServer {
  url: string;
  close(graceMs?: number): Promise<void>;
}

/**
 * Listen on `host:port` (port 0 picks a free one).
 * @example const server = await listen(app, { host: '127.0.0.1', port: 8080 });
 */
export async function listen(app: Hono, options: { host: string; port: number }): Promise<RunningServer> {
  const server = createAdaptorServer({ fetch: app.fetch, hostname: options.host, port: options.port });
  // Headers must arrive within 30 s and a body within 60 s: a trickling client cannot hold a socket forever.
  const http = server as import('node:http').Server;
  http.headersTimeout = 30_000;
  http.requestTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: (graceMs = 10_000) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => http.closeAllConnections(), graceMs);
        timer.unref();
        http.close(() => {
          clearTimeout(timer);
          resolve();
        });
        // Keep-alive sockets with no request in flight would hold close() open until they time out.
        http.closeIdleConnections();
      }),
  };
}
