import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isInletError } from '../../errors/errors.js';
import { VirtualClock } from '../../testing/virtual-clock.js';
import { Redactor } from '../redact.js';
import { createTransport } from '../transport.js';
import type { Handler, HttpRequest } from '../types.js';
import { compose } from '../types.js';
import { authPolicy } from './auth-policy.js';
import { type OAuth2Options, oauth2Auth } from './oauth2.js';

const CLIENT_ID = 'client-1';
const CLIENT_SECRET = 'cs:SECRET/value';

/** What the loopback token endpoint and API saw, and how they behave; reset before every test. */
const state = {
  tokenCalls: [] as Array<{ authorization?: string; contentType?: string; form: URLSearchParams }>,
  apiCalls: [] as string[],
  issued: 0,
  expiresIn: 3600 as number | undefined,
  rotate: false,
  /** Access tokens the API rejects with 401. */
  revoked: new Set<string>(),
  /** When set, the token endpoint answers this instead of a token. */
  failure: undefined as { status: number; body: string } | undefined,
  /** Answers the token endpoint gives first, one per call, before `failure` or a token. */
  queue: [] as Array<{ status: number; body: string; headers?: Record<string, string> }>,
};

let server: Server;
let origin: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url?.startsWith('/oauth/token')) {
        const form = new URLSearchParams(Buffer.concat(chunks).toString());
        state.tokenCalls.push({
          authorization: req.headers.authorization,
          contentType: req.headers['content-type'],
          form,
        });
        const answer: { status: number; body: string; headers?: Record<string, string> } | undefined =
          state.queue.shift() ?? state.failure;
        if (answer) {
          const headers = {
            'content-type': 'application/json',
            ...answer.headers,
          };
          res.writeHead(answer.status, headers).end(answer.body);
          return;
        }
        state.issued++;
        const body: Record<string, unknown> = { access_token: `at-${state.issued}`, token_type: 'Bearer' };
        if (state.expiresIn !== undefined) body.expires_in = state.expiresIn;
        if (state.rotate) body.refresh_token = `rt-${state.issued}`;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        return;
      }
      const auth = req.headers.authorization ?? '';
      state.apiCalls.push(auth);
      const ok = auth.startsWith('Bearer at-') && !state.revoked.has(auth.slice('Bearer '.length));
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(ok ? '{"ok":true}' : '{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
});
beforeEach(() => {
  state.tokenCalls = [];
  state.apiCalls = [];
  state.issued = 0;
  state.expiresIn = 3600;
  state.rotate = false;
  state.revoked = new Set();
  state.failure = undefined;
  state.queue = [];
});

// The project's own transport: the token endpoint is called exactly as the client would call it.
const send: Handler = createTransport({
  dispatcher: new Agent(),
  timeout: 5000,
  maxResponseSize: 1 << 20,
  redactor: new Redactor(),
});

function setup(overrides: Partial<OAuth2Options> = {}) {
  const clock = new VirtualClock();
  const rotated: string[] = [];
  const auth = oauth2Auth({
    tokenUrl: `${origin}/oauth/token?tenant=x`,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    grant: 'client_credentials',
    send,
    clock,
    onRefreshToken: (token) => rotated.push(token),
    ...overrides,
  });
  const handler = compose(authPolicy({ origin, getAuth: () => auth }))(send);
  const get = (): Promise<number> =>
    handler({ method: 'GET', url: new URL(`${origin}/api/items`), headers: {} }).then((res) => res.status);
  return { auth, clock, rotated, handler, get };
}

describe('oauth2Auth token requests', () => {
  it('POSTs a form with client_credentials and scope, authenticating the client with HTTP Basic', async () => {
    const { get } = setup({ scopes: ['read:items', 'write:items'] });
    expect(await get()).toBe(200);
    const call = state.tokenCalls[0];
    expect(call?.contentType).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(call?.form ?? [])).toEqual({
      grant_type: 'client_credentials',
      scope: 'read:items write:items',
    });
    // RFC 6749 §2.3.1: id and secret form-encoded, then Basic.
    const basic = Buffer.from((call?.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
    expect(basic).toBe('client-1:cs%3ASECRET%2Fvalue');
    expect(state.apiCalls).toEqual(['Bearer at-1']);
  });

  it('fetches the token once for 20 concurrent requests', async () => {
    const { get } = setup();
    const statuses = await Promise.all(Array.from({ length: 20 }, get));
    expect(statuses).toEqual(Array(20).fill(200));
    expect(state.tokenCalls).toHaveLength(1);
    expect(new Set(state.apiCalls)).toEqual(new Set(['Bearer at-1']));
  });

  it('reuses the token until expires_in minus the skew, then fetches one new token', async () => {
    const { get, clock } = setup();
    await get();
    clock.advance(3_600_000 - 60_000 - 1);
    await get();
    expect(state.tokenCalls).toHaveLength(1);
    clock.advance(2);
    await Promise.all([get(), get(), get()]);
    expect(state.tokenCalls).toHaveLength(2);
    expect(state.apiCalls.slice(-3)).toEqual(Array(3).fill('Bearer at-2'));
  });

  it('caps the skew at half of a short lifetime, and keeps a token without expires_in until a 401', async () => {
    state.expiresIn = 30;
    const short = setup();
    await short.get();
    short.clock.advance(14_999);
    await short.get();
    expect(state.tokenCalls).toHaveLength(1);
    short.clock.advance(2);
    await short.get();
    expect(state.tokenCalls).toHaveLength(2);

    state.expiresIn = undefined;
    const forever = setup();
    await forever.get();
    forever.clock.advance(365 * 24 * 3_600_000);
    await forever.get();
    expect(state.tokenCalls).toHaveLength(3);
  });
});

describe('oauth2Auth after a 401', () => {
  it('10 concurrent 401s share one refresh and each request is retried once', async () => {
    const { get } = setup();
    await get();
    state.revoked.add('at-1');
    const statuses = await Promise.all(Array.from({ length: 10 }, get));
    expect(statuses).toEqual(Array(10).fill(200));
    expect(state.tokenCalls).toHaveLength(2);
    const after = state.apiCalls.slice(1);
    expect(after.filter((a) => a === 'Bearer at-1')).toHaveLength(10);
    expect(after.filter((a) => a === 'Bearer at-2')).toHaveLength(10);
  });

  it('a late 401 for a token that was already replaced retries with the new token without fetching', async () => {
    const { auth } = setup();
    const req: HttpRequest = { method: 'GET', url: new URL(`${origin}/api/items`), headers: {} };
    const first = await auth.apply(req);
    expect(await auth.refresh?.(first)).toBe(true);
    expect(await auth.refresh?.(first)).toBe(true);
    expect(state.tokenCalls).toHaveLength(2);
    const second = await auth.apply(req);
    expect(second.headers.authorization).toBe('Bearer at-2');
    expect(await auth.refresh?.(second)).toBe(true);
    expect(state.tokenCalls).toHaveLength(3);
  });

  it('uses a rotated refresh token for the next refresh and reports it via onRefreshToken', async () => {
    state.rotate = true;
    const { get, rotated, auth } = setup({ grant: 'refresh_token', refreshToken: 'rt-0' });
    expect(await get()).toBe(200);
    state.revoked.add('at-1');
    expect(await get()).toBe(200);
    expect(state.tokenCalls.map((c) => Object.fromEntries(c.form))).toEqual([
      { grant_type: 'refresh_token', refresh_token: 'rt-0' },
      { grant_type: 'refresh_token', refresh_token: 'rt-1' },
    ]);
    expect(rotated).toEqual(['rt-1', 'rt-2']);
    expect([...auth.secrets()]).toContain('rt-2');
    expect([...auth.secrets()]).not.toContain('rt-0');
  });

  it('returns a second 401 unchanged after one refresh (no loop)', async () => {
    const { get } = setup();
    await get();
    state.revoked = new Set(['at-1', 'at-2', 'at-3']);
    expect(await get()).toBe(401);
    expect(state.tokenCalls).toHaveLength(2);
    expect(state.apiCalls).toEqual(['Bearer at-1', 'Bearer at-1', 'Bearer at-2']);
  });

  it('cannot refresh a refresh_token grant without a refresh token', async () => {
    const { auth, get } = setup({ grant: 'refresh_token' });
    expect(await auth.refresh?.()).toBe(false);
    await expect(get()).rejects.toSatisfy((e) => isInletError(e, 'E_AUTH'));
    expect(state.tokenCalls).toHaveLength(0);
    expect(state.apiCalls).toHaveLength(0);
  });
});

describe('oauth2Auth token endpoint failures', () => {
  const REFRESH = 'rt-SECRET-refresh';

  async function failure(status: number, body: string): Promise<unknown> {
    state.failure = { status, body };
    const { handler } = setup({ grant: 'refresh_token', refreshToken: REFRESH });
    const req: HttpRequest = { method: 'GET', url: new URL(`${origin}/api/items`), headers: {} };
    return handler(req).then(
      () => undefined,
      (error: unknown) => error,
    );
  }

  it('a 400 invalid_client is an AuthenticationError naming the endpoint and error, with no secret', async () => {
    const error = await failure(
      400,
      JSON.stringify({
        error: 'invalid_client',
        error_description: `secret ${CLIENT_SECRET} rejected for ${REFRESH}`,
        echo: Buffer.from(`${CLIENT_ID}:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64'),
      }),
    );
    expect(isInletError(error, 'E_AUTH')).toBe(true);
    const err = error as Error & { status?: number; url?: string; body?: string };
    expect(err.message).toContain('invalid_client');
    expect(err.message).toContain(`${origin}/oauth/token`);
    expect(err.message).not.toContain('tenant=x');
    expect(err.message).toContain('400');
    expect(err.status).toBe(400);
    const forms = [err.message, String(err), JSON.stringify(err), err.stack ?? '', err.body ?? ''].join('\n');
    for (const secret of [CLIENT_SECRET, encodeURIComponent(CLIENT_SECRET), REFRESH, 'SECRET']) {
      expect(forms).not.toContain(secret);
    }
    expect(state.apiCalls).toHaveLength(0);
  });

  it('a 200 without access_token, or with a non-JSON body, is an AuthenticationError', async () => {
    const missing = (await failure(200, '{"token_type":"Bearer"}')) as Error;
    expect(isInletError(missing, 'E_AUTH')).toBe(true);
    expect(missing.message).toContain('without an access_token');
    const html = (await failure(200, '<html>login</html>')) as Error;
    expect(isInletError(html, 'E_AUTH')).toBe(true);
    expect(html.message).toContain('not JSON');
  });

  it('a 401 invalid_client is an AuthenticationError after one request', async () => {
    const error = (await failure(401, '{"error":"invalid_client"}')) as Error;
    expect(isInletError(error, 'E_AUTH')).toBe(true);
    expect(error.message).toContain('401 invalid_client');
    expect(state.tokenCalls).toHaveLength(1);
  });

  it('a 503 then a token succeeds, waiting the Retry-After', async () => {
    state.queue = [
      { status: 503, body: '{"error":"temporarily_unavailable"}', headers: { 'retry-after': '7' } },
    ];
    const { get, clock } = setup();
    expect(await get()).toBe(200);
    expect(state.tokenCalls).toHaveLength(2);
    expect(clock.sleeps).toEqual([7000]);
  });

  it('a 429 with Retry-After waits that long and then succeeds', async () => {
    state.queue = [
      { status: 429, body: '{}', headers: { 'retry-after': '30' } },
      { status: 429, body: '{}', headers: { 'retry-after': '30' } },
    ];
    const { get, clock } = setup();
    expect(await get()).toBe(200);
    expect(state.tokenCalls).toHaveLength(3);
    expect(clock.sleeps).toEqual([30_000, 30_000]);
  });

  it('502s without Retry-After are retried with bounded backoff, then E_SERVER (not E_AUTH) with no secret', async () => {
    state.failure = { status: 502, body: `<html>bad gateway ${CLIENT_SECRET}</html>` };
    const { get, clock } = setup({
      retry: { attempts: 4, backoff: { initial: 1000, max: 60_000 } },
      random: () => 1,
    });
    const error = (await get().catch((e: unknown) => e)) as Error & { body?: string };
    expect(isInletError(error, 'E_SERVER')).toBe(true);
    expect(error.message).toMatch(/^OAuth2 token request failed: server error: 502/);
    expect(error.message).not.toContain('tenant=x');
    expect(state.tokenCalls).toHaveLength(4);
    expect(clock.sleeps).toEqual([1000, 2000, 4000]);
    expect(`${error.message} ${error.body} ${JSON.stringify(error)}`).not.toContain(CLIENT_SECRET);
    expect(state.apiCalls).toHaveLength(0);
  });

  it('a Retry-After longer than maxWait fails at once with E_RATE_LIMIT', async () => {
    state.failure = { status: 429, body: '{}' };
    state.queue = [{ status: 429, body: '{}', headers: { 'retry-after': '3600' } }];
    const { get } = setup({ retry: { maxWait: 60_000 } });
    expect(isInletError(await get().catch((e: unknown) => e), 'E_RATE_LIMIT')).toBe(true);
    expect(state.tokenCalls).toHaveLength(1);
  });

  it('retry: false sends one token request', async () => {
    state.failure = { status: 503, body: '{}' };
    const { get } = setup({ retry: false });
    expect(isInletError(await get().catch((e: unknown) => e), 'E_SERVER')).toBe(true);
    expect(state.tokenCalls).toHaveLength(1);
  });

  it('a failed fetch is shared by concurrent callers and retried by the next request', async () => {
    state.failure = { status: 400, body: '{"error":"invalid_client"}' };
    const { get } = setup();
    const results = await Promise.allSettled(Array.from({ length: 5 }, get));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(state.tokenCalls).toHaveLength(1);
    state.failure = undefined;
    expect(await get()).toBe(200);
    expect(state.tokenCalls).toHaveLength(2);
  });
});
