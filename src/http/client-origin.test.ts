import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isInletError } from '../errors/errors.js';
import { bearerAuth } from './auth/index.js';
import { type Client, type ClientOptions, createClient } from './client.js';

type Route = (req: IncomingMessage, res: ServerResponse, origin: string) => void;

interface Recorder {
  origin: string;
  seen: Array<{ path: string; headers: IncomingMessage['headers'] }>;
  route: { current: Route };
  close(): Promise<void>;
}

const json = (res: ServerResponse, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

/** A loopback origin (its own port) that records every request it receives. */
async function recorder(tls?: { key: string; cert: string }): Promise<Recorder> {
  const seen: Recorder['seen'] = [];
  const route: Recorder['route'] = { current: (_req, res) => json(res, [{ id: 1 }]) };
  let origin = '';
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    seen.push({ path: req.url ?? '/', headers: req.headers });
    route.current(req, res, origin);
  };
  const server = tls ? createHttpsServer(tls, handle) : createHttpServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    seen,
    route,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

function client(options: ClientOptions): Client {
  const c = createClient({ retry: { attempts: 3, backoff: { initial: 1, max: 1 } }, ...options });
  open.push(c);
  return c;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

async function drain(pages: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of pages);
}

const SECRET = 'k3y-ThisMustNotLeave-42';

describe('credential headers never reach a second origin', () => {
  let api: Recorder;
  let other: Recorder;
  beforeAll(async () => {
    api = await recorder();
    other = await recorder();
    api.route.current = (req, res) => {
      if (req.url?.startsWith('/redirect')) res.writeHead(302, { location: `${other.origin}/landing` }).end();
      else if (req.url?.startsWith('/link'))
        json(res, [{ id: 1 }], { link: `<${other.origin}/page2>; rel="next"` });
      else json(res, [{ id: 1 }]);
    };
  });
  afterAll(async () => {
    await api.close();
    await other.close();
  });
  afterEach(() => {
    api.seen.length = 0;
    other.seen.length = 0;
  });

  // Both ways another origin is reached: a 302 and a Link next page.
  const crossings = {
    '302 redirect': (c: Client, headers?: Record<string, string>) => c.get('/redirect', { headers }),
    'Link next page': (c: Client, headers?: Record<string, string>) =>
      drain(c.pages('/link', { headers, paginate: { type: 'link' } })),
  };

  it.each(Object.entries(crossings))(
    'after a %s: the `headers` option is a credential, a plain per-request header is not',
    async (_, cross) => {
      const c = client({ baseUrl: api.origin, headers: { 'X-Api-Key': SECRET } });
      await cross(c, { 'x-trace': 'trace-1' });
      expect(api.seen[0]?.headers['x-api-key']).toBe(SECRET);
      expect(other.seen).toHaveLength(1);
      expect(other.seen[0]?.headers['x-api-key']).toBeUndefined();
      expect(other.seen[0]?.headers['x-trace']).toBe('trace-1');
      expect(JSON.stringify(other.seen)).not.toContain(SECRET);
    },
  );

  it.each(Object.entries(crossings))(
    'after a %s: a per-request header named in credentialHeaders stays home',
    async (_, cross) => {
      const c = client({ baseUrl: api.origin, credentialHeaders: ['X-Tenant-Key'] });
      await cross(c, { 'X-Tenant-Key': SECRET, accept: 'application/vnd.test+json' });
      expect(api.seen[0]?.headers['x-tenant-key']).toBe(SECRET);
      expect(other.seen[0]?.headers['x-tenant-key']).toBeUndefined();
      expect(other.seen[0]?.headers.accept).toBe('application/vnd.test+json');
      // Its value became a known secret: redacted from anything the client prints.
      expect(c.redactor.text(`x ${SECRET}`)).toBe('x ***');
    },
  );

  it.each(Object.entries(crossings))(
    'after a %s: a per-request header holding a registered secret, in any form, stays home',
    async (_, cross) => {
      const c = client({ baseUrl: api.origin, auth: bearerAuth('bearer-token-1') });
      c.redactor.add(SECRET);
      await cross(c, { 'x-custom': `Key ${Buffer.from(SECRET).toString('base64')}` });
      expect(api.seen[0]?.headers['x-custom']).toBeDefined();
      expect(other.seen[0]?.headers['x-custom']).toBeUndefined();
      expect(other.seen[0]?.headers.authorization).toBeUndefined();
    },
  );
});

describe('never from https down to plain http', () => {
  let dir: string;
  let tlsApi: Recorder;
  let plain: Recorder;
  let cert: string;
  beforeAll(async () => {
    // A self-signed certificate for 127.0.0.1, made for this run and trusted only by this test's Agent.
    dir = mkdtempSync(join(tmpdir(), 'inlet-tls-'));
    const [keyFile, certFile] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    cert = readFileSync(certFile, 'utf8');
    tlsApi = await recorder({ key: readFileSync(keyFile, 'utf8'), cert });
    plain = await recorder();
    const downgraded = `http://127.0.0.1:${new URL(plain.origin).port}`;
    tlsApi.route.current = (req, res) => {
      if (req.url === '/redirect') res.writeHead(302, { location: `${downgraded}/landing` }).end();
      else if (req.url === '/link') json(res, [{ id: 1 }], { link: `<${downgraded}/page2>; rel="next"` });
      else if (req.url === '/next') json(res, { items: [{ id: 1 }], next: `${downgraded}/page2` });
      else if (req.url === '/secure-link')
        json(res, [{ id: 1 }], { link: `<${tlsApi.origin}/plain>; rel="next"` });
      else json(res, [{ id: 2 }]);
    };
  });
  afterAll(async () => {
    await tlsApi.close();
    await plain.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function tlsClient() {
    const dispatcher = new Agent({ connect: { ca: cert } });
    open.push(dispatcher);
    return client({ baseUrl: tlsApi.origin, dispatcher, auth: bearerAuth('tls-token-123') });
  }

  it('follows an https Link on the trusted certificate (the setup works)', async () => {
    const records: unknown[] = [];
    for await (const r of tlsClient().paginate('/secure-link', { paginate: { type: 'link' } }))
      records.push(r);
    expect(records).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('refuses a redirect to http:// with E_CLIENT, sending nothing there', async () => {
    const error = await failure(tlsClient().get('/redirect'));
    expect(isInletError(error, 'E_CLIENT')).toBe(true);
    expect((error as Error).message).toMatch(/https to plain http/);
    expect(tlsApi.seen.filter((s) => s.path === '/redirect')).toHaveLength(1);
    expect(plain.seen).toHaveLength(0);
  });

  it.each([
    ['link', { type: 'link' as const }, '/link'],
    ['nextUrl', { type: 'nextUrl' as const, path: '.next' }, '/next'],
  ])(
    'refuses a %s next page on http:// with E_PAGINATION, sending nothing there',
    async (_, paginate, path) => {
      const records: unknown[] = [];
      const error = await failure(
        (async () => {
          for await (const r of tlsClient().paginate(path, {
            paginate,
            records: path === '/next' ? '.items' : undefined,
          }))
            records.push(r);
        })(),
      );
      expect(isInletError(error, 'E_PAGINATION')).toBe(true);
      expect((error as Error).message).toMatch(/plain http/);
      expect(plain.seen).toHaveLength(0);
    },
  );
});

describe('requests that can never succeed fail at once, typed, without retries', () => {
  let api: Recorder;
  beforeAll(async () => {
    api = await recorder();
    api.route.current = (req, res) => {
      const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to');
      if (to) res.writeHead(302, { location: to }).end();
      else json(res, {});
    };
  });
  afterAll(() => api.close());
  afterEach(() => {
    api.seen.length = 0;
  });

  it.each(['file:///etc/passwd', 'ftp://127.0.0.1/x', 'javascript:alert(1)'])(
    'a redirect to %s is E_CLIENT after one request',
    async (to) => {
      const error = await failure(client({ baseUrl: api.origin }).get('/r', { query: { to } }));
      expect(isInletError(error, 'E_CLIENT')).toBe(true);
      expect((error as Error).message).toMatch(/unsupported scheme/);
      expect(api.seen).toHaveLength(1);
    },
  );

  it.each(['a\r\nx-injected: 1', 'a\nb', 'a\0b'])(
    'a header value %j is E_CONFIG before anything is sent',
    async (value) => {
      expect(() => createClient({ baseUrl: api.origin, headers: { 'X-Tenant': value } })).toThrow(
        /headers\.x-tenant: header value contains CR, LF or NUL/,
      );
      const c = client({ baseUrl: api.origin });
      const error = await failure(c.get('/x', { headers: { 'X-Tenant': value } }));
      expect(isInletError(error, 'E_CONFIG')).toBe(true);
      expect((error as Error).message).not.toContain(value);
      const pages = await failure(drain(c.pages('/x', { headers: { 'X-Tenant': value } })));
      expect(isInletError(pages, 'E_CONFIG')).toBe(true);
      expect(api.seen).toHaveLength(0);
    },
  );

  it('a credential with a line break that only the auth adds is E_CLIENT, not a retried E_NETWORK', async () => {
    const error = await failure(client({ baseUrl: api.origin, auth: bearerAuth('tok\r\nx: y') }).get('/x'));
    expect(isInletError(error, 'E_CLIENT')).toBe(true);
    expect(api.seen).toHaveLength(0);
  });

  it.each([
    ['?x=1', 'query'],
    ['/v1?x=1', 'query'],
    ['#frag', 'fragment'],
  ])('a baseUrl ending %s is E_CONFIG naming baseUrl', (suffix, what) => {
    expect(() => createClient({ baseUrl: `${api.origin}${suffix}` })).toThrow(
      new RegExp(`^baseUrl: .* has a ${what}`),
    );
  });
});
