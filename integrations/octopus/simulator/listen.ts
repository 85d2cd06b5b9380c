import { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer, type HttpBindings } from '@hono/node-server';
import type { FetchApp, ServedApp } from '../../../src/testing/serve.js';

/**
 * Like src/testing/serve.ts's `serve`, but on a chosen loopback port (`inlet mock --port`);
 * `serve` always takes a free one.
 * @example const served = await listen(app, 8080);
 */
export async function listen(app: FetchApp, port = 0): Promise<ServedApp> {
  const server = createAdaptorServer({
    fetch: (request, env) => app.fetch(request, env as HttpBindings),
    hostname: '127.0.0.1',
  });
  if (!(server instanceof Server)) throw new TypeError('expected an HTTP/1.1 server');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${bound}`;
  let closing: Promise<void> | undefined;
  return {
    url: origin,
    origin,
    port: bound,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
