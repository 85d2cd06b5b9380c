import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type InletError, isInletError } from '../errors/errors.js';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { VirtualClock } from '../testing/virtual-clock.js';
import { apiKeyAuth, bearerAuth, oauth2Auth } from './auth/index.js';
import { type ClientOptions, createClient } from './client.js';
import { Redactor } from './redact.js';
import { createTransport } from './transport.js';
import type { HttpEvent } from './types.js';

const TOKEN = 'ghp_SuperSecretToken1234567890';
const open: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function server(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const s = await startTestServer(options);
  open.push(s);
  return s;
}

/** Every log line the client writes, at debug level, as text. */
function captureLogs() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: pino({ level: 'debug' }, stream) };
}

function client(options: ClientOptions) {
  const c = createClient(options);
  open.push(c);
  return c;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('a 50-page link-paginated read with 20% of responses faulted', () => {
  it('returns exactly the records of a fault-free read, in order, and never sends while told to wait', async () => {
    const read = async (faulted: boolean) => {
      const clock = new VirtualClock();
      const s = await server({
        clock,
        items: 500,
        seed: 42,
        credentials: { bearer: TOKEN },
        // The server's own budget is smaller than the read, so the client must also wait out resets.
        rateLimit: { limit: 40, windowMs: 60_000 },
        faults: faulted
          ? {
              rate: 0.2,
              seed: 42,
              kinds: ['429', '403-primary', '403-secondary', '502', '503', 'reset'],
              retryAfterSeconds: 3,
            }
          : undefined,
      });
      const events: HttpEvent[] = [];
      const c = client({ baseUrl: s.url, auth: bearerAuth(TOKEN), clock, onEvent: (e) => events.push(e) });
      const pages = await collect(
        c.pages('/api/link/items', { query: { per_page: 10 }, paginate: { type: 'link' } }),
      );
      return { s, pages, events, records: pages.flatMap((p) => p.records) };
    };

    const clean = await read(false);
    const faulted = await read(true);

    expect(clean.pages).toHaveLength(50);
    expect(faulted.records).toEqual(clean.records);
    expect(faulted.records.map((r) => r.id)).toEqual(clean.s.items.map((i) => i.id));
    const faults = faulted.s.requests.filter((r) => r.fault);
    expect(new Set(faults.map((r) => r.fault)).size).toBeGreaterThanOrEqual(5);
    expect(faults.length / faulted.s.requests.length).toBeGreaterThan(0.1);
    expect(faulted.events.filter((e) => e.type === 'retry').length).toBeGreaterThanOrEqual(faults.length);
    expect(faulted.events.some((e) => e.type === 'rate-limit-wait')).toBe(true);
    expect(faulted.s.violations).toEqual([]);
    expect(clean.s.violations).toEqual([]);
  });
});

describe('credentials never leave the origin or reach a log line or error', () => {
  it('does not send the token across a redirect, a Link header or a next URL to another origin', async () => {
    const other = await server({});
    const s = await server({ credentials: { bearer: TOKEN }, otherOrigin: other.origin });
    const { lines, logger } = captureLogs();
    const c = client({ baseUrl: s.url, auth: bearerAuth(TOKEN), logger });

    const redirected = await c.get<{ headers: Record<string, string> }>('/api/cross/redirect');
    expect(redirected.data.headers.authorization).toBeUndefined();
    const linked = await collect(c.paginate('/api/cross/link', { paginate: { type: 'link' } }));
    expect(linked.length).toBeGreaterThan(1);
    await collect(
      c.paginate('/api/cross/next', { paginate: { type: 'nextUrl', path: '.next' }, records: '.results' }),
    );

    expect(other.requests.length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(other.requests)).not.toContain(TOKEN);
    expect(s.requests.every((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.join('\n')).not.toContain(TOKEN);
  });

  it('redacts a query-string API key from errors, logs and retry warnings', async () => {
    const key = 'qk_ThisKeyMustNeverLeak987';
    const s = await server({ credentials: { apiKey: { in: 'query', name: 'api_key', value: key } } });
    const { lines, logger } = captureLogs();
    const clock = new VirtualClock();
    const c = client({
      baseUrl: s.url,
      auth: apiKeyAuth({ name: 'api_key', in: 'query', value: key }),
      logger,
      clock,
      retry: { attempts: 2 },
    });
    const errors = [
      await failure(c.get('/api/status/503')),
      await failure(c.get('/api/status/404')),
      await failure(c.get('/api/broken/invalid-json')),
      await failure(
        c
          .get('/api/broken/bad-link')
          .then(() => collect(c.paginate('/api/broken/bad-link', { paginate: { type: 'link' } }))),
      ),
    ];
    expect(s.requests.every((r) => r.url.includes(`api_key=${key}`))).toBe(true);
    // Where the URL is kept in full, the key is masked rather than dropped.
    expect(errors.slice(0, 3).map((e) => (e as { url: string }).url)).toEqual(
      Array(3).fill(expect.stringContaining('api_key=***')),
    );
    for (const error of errors) {
      expect(isInletError(error)).toBe(true);
      const e = error as InletError;
      const everything = [e.message, String(e), e.stack, JSON.stringify(e), e.url, e.body, e.toLine()].join(
        '\n',
      );
      expect(everything).not.toContain(key);
    }
    expect(lines.some((l) => l.includes('retrying'))).toBe(true);
    expect(lines.join('\n')).not.toContain(key);
  });

  it('keeps OAuth access tokens and the client secret out of logs and errors', async () => {
    const s = await server({
      oauth: { clientId: 'inlet', clientSecret: 'cs_VerySecretClientSecret', expiresIn: 3600 },
    });
    const { lines, logger } = captureLogs();
    const redactor = new Redactor();
    const send = createTransport({
      dispatcher: new Agent(),
      timeout: 5000,
      maxResponseSize: 1 << 20,
      redactor,
    });
    const clock = new VirtualClock();
    const auth = oauth2Auth({
      tokenUrl: `${s.url}/oauth/token`,
      clientId: 'inlet',
      clientSecret: 'cs_VerySecretClientSecret',
      grant: 'client_credentials',
      send,
      clock,
    });
    const c = client({ baseUrl: s.url, auth, logger, clock });
    const { data } = await c.get<{ headers: Record<string, string> }>('/api/echo');
    const accessToken = data.headers.authorization!.replace(/^Bearer /, '');
    expect(accessToken.length).toBeGreaterThan(8);
    const error = (await failure(c.get('/api/status/500', { retry: false }))) as Error;
    expect(s.tokenRequests).toMatchObject({ total: 1 });
    const text = [lines.join('\n'), error.message, JSON.stringify(error)].join('\n');
    expect(text).not.toContain(accessToken);
    expect(text).not.toContain('cs_VerySecretClientSecret');
  });
});

describe('bad inputs give typed errors with clear messages', () => {
  it.each([
    [
      'invalid JSON',
      '/api/broken/invalid-json',
      'E_RESPONSE',
      /invalid JSON in 200 response \(application\/json/,
    ],
    ['a 404', '/api/items/999999', 'E_NOT_FOUND', /not found: 404 "Not Found" \(GET http/],
    ['a 403', '/api/status/403', 'E_FORBIDDEN', /forbidden: 403/],
    ['a 422', '/api/status/422', 'E_CLIENT', /request rejected: 422/],
  ])('%s', async (_what, path, code, message) => {
    const s = await server();
    const c = client({ baseUrl: s.url });
    const error = await failure(c.get(path));
    expect(isInletError(error, code as 'E_RESPONSE')).toBe(true);
    expect((error as Error).message).toMatch(message);
    expect(error).toMatchObject({ method: 'GET', url: expect.stringContaining(path.split('?')[0]!) });
  });

  it('records that are not objects', async () => {
    const s = await server();
    const error = await failure(collect(client({ baseUrl: s.url }).paginate('/api/broken/not-objects')));
    expect(isInletError(error, 'E_RESPONSE')).toBe(true);
    expect((error as Error).message).toMatch(/not an object|number/i);
  });

  it('a 401 with no refresh possible is E_AUTH after exactly one request', async () => {
    const s = await server({ credentials: { bearer: TOKEN } });
    const error = await failure(
      client({ baseUrl: s.url, auth: bearerAuth('wrong-token-value') }).get('/api/echo'),
    );
    expect(isInletError(error, 'E_AUTH')).toBe(true);
    expect(error).toMatchObject({ status: 401, requestId: expect.stringMatching(/^req-/) });
    expect((error as Error).message).toContain('Bad credentials');
    expect(s.requests).toHaveLength(1);
  });

  it('a malformed Link header is E_PAGINATION quoting the header', async () => {
    const s = await server();
    const error = await failure(
      collect(client({ baseUrl: s.url }).paginate('/api/broken/bad-link', { paginate: { type: 'link' } })),
    );
    expect(isInletError(error, 'E_PAGINATION')).toBe(true);
    expect((error as Error).message).toContain('https://x.test/page2');
  });

  it('a cursor loop stops the chain with an E_PAGINATION warning instead of spinning', async () => {
    const s = await server();
    const events: HttpEvent[] = [];
    const c = client({ baseUrl: s.url, onEvent: (e) => events.push(e) });
    const pages = await collect(
      c.pages('/api/broken/cursor-loop', {
        paginate: { type: 'cursor', param: 'nextPageToken', path: '.nextPageToken' },
        records: '.issues',
        kind: 'issue',
      }),
    );
    expect(pages.length).toBe(2);
    const warning = events.find((e) => e.type === 'warning');
    expect(warning).toMatchObject({
      message: expect.stringMatching(/^E_PAGINATION pagination loop in .*issue/),
    });
  });

  it.each([
    ['declared by Content-Length', '&content_length=1'],
    ['streamed without a length', ''],
  ])('a response over the size limit, %s', async (_what, extra) => {
    const s = await server();
    const c = client({ baseUrl: s.url, maxResponseSize: 64 * 1024 });
    const error = await failure(c.get(`/api/broken/huge?bytes=${1024 * 1024}${extra}`));
    expect(isInletError(error, 'E_RESPONSE')).toBe(true);
    expect((error as Error).message).toContain('larger than the 65536 bytes limit');
  });

  it('a response slower than the timeout is E_TIMEOUT, after the retries', async () => {
    const s = await server();
    const clock = new VirtualClock();
    const c = client({ baseUrl: s.url, timeout: 100, clock, retry: { attempts: 2 } });
    const error = await failure(c.get('/api/slow?ms=2000'));
    expect(isInletError(error, 'E_TIMEOUT')).toBe(true);
    expect((error as Error).message).toMatch(
      /no response within 100 ms \(GET http:\/\/127\.0\.0\.1:\d+\/api\/slow/,
    );
    expect(s.requests.filter((r) => r.url.startsWith('/api/slow'))).toHaveLength(2);
  });

  it('a connection refused is E_NETWORK', async () => {
    const s = await server();
    const url = s.url;
    await s.close();
    const error = await failure(client({ baseUrl: url, retry: false }).get('/api/echo'));
    expect(isInletError(error, 'E_NETWORK')).toBe(true);
    expect((error as Error).message).toContain('ECONNREFUSED');
  });

  it.each([
    ['http://api.example.com', /plain http:\/\/ to api\.example\.com is refused/],
    ['not a url', /is not an absolute URL/],
    ['ftp://example.com', /protocol ftp: is not supported/],
  ])('base URL %s is E_CONFIG', (baseUrl, message) => {
    let error: unknown;
    try {
      createClient({ baseUrl });
    } catch (e) {
      error = e;
    }
    expect(isInletError(error, 'E_CONFIG')).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  it('allows http:// to a remote host only with allowInsecure', async () => {
    const c = createClient({ baseUrl: 'http://api.example.com', allowInsecure: true });
    expect(c.baseUrl.href).toBe('http://api.example.com/');
    await c.close();
  });

  it('a rate limit longer than maxWait fails at once, stating the wait', async () => {
    const s = await server({
      clock: new VirtualClock(),
      faults: { rate: 1, kinds: ['429'], retryAfterSeconds: 7200 },
    });
    const clock = new VirtualClock();
    const error = await failure(client({ baseUrl: s.url, clock }).get('/api/echo'));
    expect(isInletError(error, 'E_RATE_LIMIT')).toBe(true);
    expect((error as Error).message).toMatch(/2h.*longer than maxWait 15m/);
    expect(clock.slept).toBe(0);
    expect(s.requests).toHaveLength(1);
  });
});

describe('the client', () => {
  it('resolves paths under the base URL path, sends default headers, and encodes JSON bodies', async () => {
    const s = await server();
    const c = client({ baseUrl: `${s.url}/api`, headers: { 'X-GitHub-Api-Version': '2022-11-28' } });
    const { data, status, url } = await c.post<{ method: string; headers: Record<string, string> }>('echo', {
      body: { a: 1 },
    });
    expect(status).toBe(200);
    expect(url).toBe(`${s.url}/api/echo`);
    expect(data.method).toBe('POST');
    expect(data.headers['x-github-api-version']).toBe('2022-11-28');
    expect(data.headers['content-type']).toBe('application/json');
  });

  it('does not retry a POST unless asked', async () => {
    const s = await server();
    const clock = new VirtualClock();
    const c = client({ baseUrl: s.url, clock });
    expect(isInletError(await failure(c.post('/api/status/503')), 'E_SERVER')).toBe(true);
    expect(s.requests).toHaveLength(1);
    await failure(c.post('/api/status/503', { retry: true }));
    expect(s.requests).toHaveLength(7);
  });

  it('replaces credentials on a live client', async () => {
    const s = await server({ credentials: { bearer: 'second-token-abc' } });
    const c = client({ baseUrl: s.url, auth: bearerAuth('first-token-xyz') });
    expect(isInletError(await failure(c.get('/api/echo')), 'E_AUTH')).toBe(true);
    c.setAuth(bearerAuth('second-token-abc'));
    expect((await c.get('/api/echo')).status).toBe(200);
  });

  it('reads every pagination style to the same records', async () => {
    const s = await server({ items: 37 });
    const c = client({ baseUrl: s.url });
    const ids = (records: Array<Record<string, unknown>>) => records.map((r) => r.id);
    const expected = s.items.map((i) => i.id);
    const styles = [
      c.paginate('/api/link/items', { query: { per_page: 5 }, paginate: { type: 'link' } }),
      c.paginate('/api/next/items', {
        query: { page_size: 5 },
        paginate: { type: 'nextUrl', path: '.next' },
        records: '.results',
      }),
      c.paginate('/api/cursor/items', {
        query: { maxResults: 5 },
        paginate: { type: 'cursor', param: 'nextPageToken', path: '.nextPageToken' },
        records: '.issues',
      }),
      c.paginate('/api/offset/items', {
        paginate: { type: 'offset', param: 'startAt', limitParam: 'maxResults', limit: 5, total: '.total' },
        records: '.values',
      }),
      c.paginate('/api/page/items', {
        paginate: { type: 'offset', param: 'skip', limitParam: 'take', limit: 5 },
        records: '.Items',
      }),
      c.paginate('/api/pages/items', {
        query: { per_page: 5 },
        paginate: { type: 'page', param: 'page', last: '.last_page' },
        records: '.data',
      }),
    ];
    for (const style of styles)
      expect(ids(await collect(style as AsyncIterable<Record<string, unknown>>))).toEqual(expected);
  });
});
