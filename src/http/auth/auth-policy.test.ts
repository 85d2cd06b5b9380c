import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Redactor } from '../redact.js';
import { createTransport } from '../transport.js';
import type { Handler, HttpRequest } from '../types.js';
import { compose } from '../types.js';
import { apiKeyAuth } from './api-key.js';
import type { Auth } from './auth.js';
import { authPolicy } from './auth-policy.js';
import { basicAuth } from './basic.js';
import { bearerAuth } from './bearer.js';
import { noAuth } from './none.js';

interface Seen {
  url: URL;
  headers: IncomingMessage['headers'];
}

/** A loopback server that records what it received and answers `status` (200 by default). */
async function listen(): Promise<{ server: Server; origin: string; seen: Seen[]; status: { code: number } }> {
  const seen: Seen[] = [];
  const status = { code: 200 };
  const server = createServer((req, res) => {
    seen.push({ url: new URL(req.url ?? '/', 'http://x'), headers: req.headers });
    res.writeHead(status.code, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${port}`, seen, status };
}

// The project's own transport: the token endpoint is called exactly as the client would call it.
const send: Handler = createTransport({
  dispatcher: new Agent(),
  timeout: 5000,
  maxResponseSize: 1 << 20,
  redactor: new Redactor(),
});

function get(url: string, headers: Record<string, string> = {}): HttpRequest {
  return { method: 'GET', url: new URL(url), headers };
}

let api: Awaited<ReturnType<typeof listen>>;
let other: Awaited<ReturnType<typeof listen>>;

beforeAll(async () => {
  api = await listen();
  other = await listen();
});
afterAll(() => {
  api.server.close();
  other.server.close();
});
beforeEach(() => {
  api.seen.length = 0;
  other.seen.length = 0;
  api.status.code = 200;
});

function client(auth: Auth | (() => Auth)): Handler {
  const getAuth = typeof auth === 'function' ? auth : () => auth;
  return compose(authPolicy({ origin: `${api.origin}/base/`, getAuth }))(send);
}

describe('authPolicy with static credentials', () => {
  it('none sends no credentials', async () => {
    const res = await client(noAuth())(get(`${api.origin}/a?x=1`));
    expect(res.status).toBe(200);
    expect(api.seen[0]?.headers.authorization).toBeUndefined();
    expect(api.seen[0]?.url.search).toBe('?x=1');
  });

  it('bearer sends Authorization: Bearer <token>', async () => {
    await client(bearerAuth('tok-123'))(get(`${api.origin}/a`));
    expect(api.seen[0]?.headers.authorization).toBe('Bearer tok-123');
  });

  it('basic sends Authorization: Basic base64(user:password)', async () => {
    await client(basicAuth('aladdin', 'open sesame'))(get(`${api.origin}/a`));
    expect(api.seen[0]?.headers.authorization).toBe('Basic YWxhZGRpbjpvcGVuIHNlc2FtZQ==');
  });

  it('apiKey in a header sends `name: prefix value`', async () => {
    await client(apiKeyAuth({ name: 'Authorization', in: 'header', prefix: 'Token', value: 'k-1' }))(
      get(`${api.origin}/a`),
    );
    await client(apiKeyAuth({ name: 'X-Octopus-ApiKey', in: 'header', value: 'API-XYZ' }))(
      get(`${api.origin}/a`),
    );
    expect(api.seen[0]?.headers.authorization).toBe('Token k-1');
    expect(api.seen[1]?.headers['x-octopus-apikey']).toBe('API-XYZ');
    expect(api.seen[1]?.headers.authorization).toBeUndefined();
  });

  it('apiKey in the query sends name=value exactly once, keeping other parameters', async () => {
    const auth = apiKeyAuth({ name: 'api_key', in: 'query', value: 'secret-key' });
    await client(auth)(get(`${api.origin}/a?page=2&api_key=secret-key`));
    expect(api.seen[0]?.url.searchParams.getAll('api_key')).toEqual(['secret-key']);
    expect(api.seen[0]?.url.searchParams.get('page')).toBe('2');
    expect(api.seen[0]?.headers.authorization).toBeUndefined();
  });

  it('sets credentialKey to the fingerprint, which is stable and does not contain the secret', async () => {
    let sent: HttpRequest | undefined;
    const capture: Handler = (req) => {
      sent = req;
      return send(req);
    };
    const auth = bearerAuth('tok-fingerprint');
    await compose(authPolicy({ origin: api.origin, getAuth: () => auth }))(capture)(get(`${api.origin}/a`));
    expect(sent?.credentialKey).toMatch(/^[0-9a-f]{12}$/);
    expect(sent?.credentialKey).toBe(bearerAuth('tok-fingerprint').fingerprint());
    expect(sent?.credentialKey).not.toBe(bearerAuth('other').fingerprint());
  });
});

describe('authPolicy on another origin', () => {
  it.each([
    ['bearer', bearerAuth('tok-123'), 'tok-123'],
    ['basic', basicAuth('u', 'pass-word'), 'pass-word'],
    ['apiKey header', apiKeyAuth({ name: 'X-Api-Key', in: 'header', value: 'key-123' }), 'key-123'],
    ['apiKey query', apiKeyAuth({ name: 'key', in: 'query', value: 'key-123' }), 'key-123'],
  ])('%s: sends no credentials and strips credential headers and echoed secrets', async (_, auth, secret) => {
    let sent: HttpRequest | undefined;
    const capture: Handler = (req) => {
      sent = req;
      return send(req);
    };
    const handler = compose(authPolicy({ origin: api.origin, getAuth: () => auth }))(capture);
    const res = await handler({
      ...get(`${other.origin}/next?page=3&key=${secret}`, {
        authorization: 'Bearer leaked',
        'proxy-authorization': 'Basic x',
        cookie: 'session=1',
        'x-api-key': secret,
        accept: 'application/json',
      }),
      credentialKey: 'stale',
    });
    expect(res.status).toBe(200);
    const { headers, url } = other.seen[0] ?? { headers: {}, url: new URL('http://x') };
    expect(headers.authorization).toBeUndefined();
    expect(headers['proxy-authorization']).toBeUndefined();
    expect(headers.cookie).toBeUndefined();
    expect(headers['x-api-key']).toBeUndefined();
    expect(headers.accept).toBe('application/json');
    expect(url.searchParams.has('key')).toBe(false);
    expect(url.searchParams.get('page')).toBe('3');
    expect(sent?.credentialKey).toBeUndefined();
    expect(api.seen).toHaveLength(0);
  });

  it('treats a different port on the same host as another origin', async () => {
    const handler = client(bearerAuth('tok-123'));
    await handler(get(`${other.origin}/x`));
    await handler(get(`${api.origin}/x`));
    expect(other.seen[0]?.headers.authorization).toBeUndefined();
    expect(api.seen[0]?.headers.authorization).toBe('Bearer tok-123');
  });
});

describe('authPolicy credentials lifecycle', () => {
  it('credentials replaced through getAuth take effect on the next request', async () => {
    let auth: Auth = bearerAuth('first');
    const handler = client(() => auth);
    await handler(get(`${api.origin}/a`));
    auth = apiKeyAuth({ name: 'x-key', in: 'header', value: 'second' });
    await handler(get(`${api.origin}/a`));
    expect(api.seen[0]?.headers.authorization).toBe('Bearer first');
    expect(api.seen[1]?.headers.authorization).toBeUndefined();
    expect(api.seen[1]?.headers['x-key']).toBe('second');
  });

  it('returns a 401 unchanged, without retrying, when the auth cannot refresh', async () => {
    api.status.code = 401;
    const res = await client(bearerAuth('expired'))(get(`${api.origin}/a`));
    expect(res.status).toBe(401);
    expect(api.seen).toHaveLength(1);
  });

  it('returns the 401 without retrying when refresh() resolves false', async () => {
    api.status.code = 401;
    let refreshes = 0;
    const auth: Auth = {
      ...bearerAuth('t-1'),
      refresh: async () => {
        refreshes++;
        return false;
      },
    };
    const res = await client(auth)(get(`${api.origin}/a`));
    expect(res.status).toBe(401);
    expect(refreshes).toBe(1);
    expect(api.seen).toHaveLength(1);
  });

  it('retries a 401 once with the refreshed credentials, and returns a second 401 as is', async () => {
    api.status.code = 401;
    let token = 't-1';
    const auth: Auth = {
      apply: (req) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${token}` } }),
      refresh: async () => {
        token = `t-${Number(token.slice(2)) + 1}`;
        return true;
      },
      secrets: () => [token],
      fingerprint: () => 'fp',
    };
    const res = await client(auth)(get(`${api.origin}/a`));
    expect(res.status).toBe(401);
    expect(api.seen.map((s) => s.headers.authorization)).toEqual(['Bearer t-1', 'Bearer t-2']);
  });
});
