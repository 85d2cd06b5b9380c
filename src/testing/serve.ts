import { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer, type HttpBindings } from '@hono/node-server';

/** Anything with a fetch handler: a Hono app, or a bare `(request) => Response`. */
export interface FetchApp {
  fetch(request: Request, env: HttpBindings): Response | Promise<Response>;
}

/** A running loopback server. */
export interface ServedApp {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`: build request URLs as `${url}/api/...`. */
  url: string;
  /** The URL origin (same text as `url`), for comparing with `new URL(x).origin`. */
  origin: string;
  port: number;
  /** Stops listening and destroys open connections (keep-alive and in-flight), so it never hangs. */
  close(): Promise<void>;
}

/** Where `serve` listens. */
export interface ServeOptions {
  /** Loopback port to bind (`inlet mock --port N`); fails with EADDRINUSE if taken. @default a free port */
  port?: number;
}

/**
 * Start `app` on 127.0.0.1, on `options.port` or a free port. In-flight requests see their
 * `c.req.raw.signal` abort when `close()` drops the connections, so handlers waiting on timers can stop.
 * @example const served = await serve(app); await fetch(`${served.url}/api/echo`); await served.close();
 * @example const fixed = await serve(app, { port: 8080 }); // fixed.url === 'http://127.0.0.1:8080'
 */
export async function serve(app: FetchApp, options: ServeOptions = {}): Promise<ServedApp> {
  const server = createAdaptorServer({
    // We only ever create an HTTP/1.1 server, so the bindings are always the node:http pair.
    fetch: (request, env) => app.fetch(request, env as HttpBindings),
    hostname: '127.0.0.1',
  });
  if (!(server instanceof Server)) throw new TypeError('expected an HTTP/1.1 server');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url: origin,
    origin,
    port,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
