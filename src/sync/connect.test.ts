import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type BudgetStore, memoryBudgetStore } from '../http/budget-store.js';
import { loadManifest } from '../manifest/load.js';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { VirtualClock } from '../testing/virtual-clock.js';
import { compilePlan } from './compile-plan.js';
import { connect } from './connect.js';
import { planData } from './plan-data.js';

let dir: string;
let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function manifest(connection: string) {
  dir = await mkdtemp(join(tmpdir(), 'inlet-connect-'));
  await writeFile(
    join(dir, 'inlet.yaml'),
    `name: connect
config:
  baseUrl: { type: url, required: true }
  clientSecret: { type: secret }
  oauthToken: { type: secret }
  user: { type: string }
  password: { type: secret }
connection:
${connection}
resources:
  item: { request: { path: /api/echo } }
`,
  );
  return dir;
}

describe('connect (manifest §3)', () => {
  it('fetches an OAuth2 client-credentials token once and keeps the secret out of errors', async () => {
    server = await startTestServer({ oauth: { clientId: 'inlet', clientSecret: 'cs-secret-value-123' } });
    const path = await manifest(`  baseUrl: "{config.baseUrl}"
  auth:
    type: oauth2
    tokenUrl: /oauth/token
    clientId: inlet
    clientSecret: "{config.clientSecret}"
    grant: client_credentials`);
    const loaded = await loadManifest(path, {
      set: [`baseUrl=${server.url}`, 'clientSecret=cs-secret-value-123'],
    });
    const client = connect(loaded);
    try {
      const first = await client.get<{ headers: Record<string, string> }>('/api/echo');
      await client.get('/api/echo');
      expect(first.data.headers.authorization).toMatch(/^Bearer \S+/);
      expect(server.tokenRequests.total).toBe(1);
      const error = await client.get('/api/status/404').catch((e: Error) => e);
      expect(String((error as Error).message)).not.toContain('cs-secret-value-123');
    } finally {
      await client.close();
    }
  });

  it('uses the first auth of a list whose `when` renders non-empty', async () => {
    server = await startTestServer({ credentials: { basic: { username: 'me', password: 'pw-secret' } } });
    const path = await manifest(`  baseUrl: "{config.baseUrl}"
  auth:
    - { type: bearer, token: "{config.oauthToken}", when: "{config.oauthToken}" }
    - { type: basic, username: "{config.user}", password: "{config.password}", when: "{config.user}" }`);
    const loaded = await loadManifest(path, {
      set: [`baseUrl=${server.url}`, 'user=me', 'password=pw-secret'],
    });
    const client = connect(loaded);
    try {
      const { data } = await client.get<{ headers: Record<string, string> }>('/api/echo');
      expect(data.headers.authorization).toBe(`Basic ${Buffer.from('me:pw-secret').toString('base64')}`);
    } finally {
      await client.close();
    }
  });

  describe('seams', () => {
    it('sends through an injected dispatcher, API and token endpoint alike, and leaves it open', async () => {
      server = await startTestServer({ oauth: { clientId: 'inlet', clientSecret: 'cs-secret-value-123' } });
      const path = await manifest(`  baseUrl: "{config.baseUrl}"
  auth: { type: oauth2, tokenUrl: /oauth/token, clientId: inlet, clientSecret: "{config.clientSecret}", grant: client_credentials }`);
      const loaded = await loadManifest(path, {
        set: [`baseUrl=${server.url}`, 'clientSecret=cs-secret-value-123'],
      });
      const paths: string[] = [];
      const agent = new Agent().compose((dispatch) => (opts, handler) => {
        paths.push(String(opts.path));
        return dispatch(opts, handler);
      });
      try {
        const client = connect(loaded, { dispatcher: agent });
        await client.get('/api/echo');
        await client.close();
        expect(paths).toEqual(['/oauth/token', '/api/echo']);
        // Still open: the caller owns it.
        const after = await agent.request({ origin: server.origin, path: '/api/echo', method: 'GET' });
        expect(after.statusCode).toBe(401);
        await after.body.dump();
      } finally {
        await agent.close();
      }
    });

    it('uses the injected clock and random for retry jitter, and runs policies at their points', async () => {
      server = await startTestServer();
      const loaded = await loadManifest(
        await manifest(`  baseUrl: "{config.baseUrl}"
  retry: { attempts: 3, backoff: { initial: 1s, max: 10s } }`),
        { set: [`baseUrl=${server.url}`] },
      );
      const clock = new VirtualClock();
      const seen: string[] = [];
      let failed = false;
      const client = connect(loaded, {
        clock,
        random: () => 0.25,
        policies: {
          beforeRetry: [
            (next) => (req) => {
              seen.push(`call ${req.url.pathname}`);
              return next(req);
            },
          ],
          beforeTransport: [
            (next) => async (req) => {
              seen.push(`attempt ${req.attempt}`);
              if (failed) return next(req);
              failed = true;
              return { status: 503, headers: {}, body: new Uint8Array(), request: req };
            },
          ],
        },
      });
      try {
        expect((await client.get('/api/echo')).status).toBe(200);
      } finally {
        await client.close();
      }
      expect(seen).toEqual(['call /api/echo', 'attempt 1', 'attempt 2']);
      // Full jitter: 0.25 × the first backoff of 1 s.
      expect(clock.sleeps).toEqual([250]);
    });

    it('keeps the budget in an injected store, with strict from the manifest as a ceiling', async () => {
      const clock = new VirtualClock();
      server = await startTestServer({ clock, rateLimit: { limit: 100, windowMs: 60_000 } });
      const loaded = await loadManifest(
        await manifest(`  baseUrl: "{config.baseUrl}"
  rateLimit: { requests: 2, per: 1s, strict: true }`),
        { set: [`baseUrl=${server.url}`] },
      );
      const memory = memoryBudgetStore();
      const keys: string[] = [];
      const budgetStore: BudgetStore = {
        acquire: (key, rules, now) => {
          keys.push(key.origin);
          return memory.acquire(key, rules, now);
        },
        settle: (key, report, rules, now) => memory.settle(key, report, rules, now),
      };
      const start = clock.now();
      // Send times on the client's side: the server may read the virtual clock after it moved on.
      const sent: number[] = [];
      const client = connect(loaded, {
        clock,
        budgetStore,
        policies: {
          beforeTransport: [
            (next) => (req) => {
              sent.push(clock.now() - start);
              return next(req);
            },
          ],
        },
      });
      try {
        await Promise.all([1, 2, 3, 4].map((i) => client.get(`/api/echo?i=${i}`)));
      } finally {
        await client.close();
      }
      expect(sent).toEqual([0, 0, 500, 1000]);
      expect(new Set(keys)).toEqual(new Set([server.origin]));
    });
  });
});

describe('connect: secret-derived headers never reach another origin (issue 8)', () => {
  const EXTRA = 'tenant-key-Secret-123';
  const API_KEY = 'api-key-Secret-456';
  // Shorter than the Redactor's 4 characters: only the template's reference to a secret marks it.
  const PIN = '991';
  type Seen = { path: string; headers: IncomingMessage['headers'] };

  async function origin(route: (req: IncomingMessage, res: ServerResponse, seen: Seen[]) => void) {
    const seen: Seen[] = [];
    const s = createServer((req, res) => {
      seen.push({ path: req.url ?? '/', headers: req.headers });
      route(req, res, seen);
    });
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
    return { url, seen, close: () => new Promise<void>((resolve) => s.close(() => resolve())) };
  }

  it.each([
    ['a 302', 'redirected', 'none'],
    ['a Link next page', 'linked', 'link'],
  ])(
    'after %s: connection.headers, request.headers and the apiKey stay home; a plain header travels',
    async (_, kind, paginate) => {
      const other = await origin((_req, res) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end('[]'),
      );
      const api = await origin((req, res) => {
        if (req.url === '/redirect') res.writeHead(302, { location: `${other.url}/landing` }).end();
        else
          res
            .writeHead(200, { 'content-type': 'application/json', link: `<${other.url}/p2>; rel="next"` })
            .end('[{"id":1}]');
      });
      dir = await mkdtemp(join(tmpdir(), 'inlet-connect-'));
      await writeFile(
        join(dir, 'inlet.yaml'),
        `name: connect
config:
  baseUrl: { type: url, required: true }
  extra: { type: secret }
  key: { type: secret }
  pin: { type: secret }
  plain: { type: string }
connection:
  baseUrl: "{config.baseUrl}"
  headers: { X-Tenant-Key: "{config.extra}" }
  auth: { type: apiKey, in: header, name: X-Api-Key, value: "{config.key}" }
resources:
  ${kind}:
    request:
      path: ${kind === 'redirected' ? '/redirect' : '/link'}
      headers: { X-Req-Secret: "Pin {config.pin}", X-Req-Plain: "{config.plain}" }
    paginate: { type: ${paginate} }
`,
      );
      const loaded = await loadManifest(dir, {
        set: [`baseUrl=${api.url}`, `extra=${EXTRA}`, `key=${API_KEY}`, `pin=${PIN}`, 'plain=visible'],
      });
      const client = connect(loaded);
      try {
        const plan = await compilePlan(planData(loaded));
        const kp = plan.kinds[0]!;
        const start = kp.chains()[0]!;
        // The engine's call (src/sync/engine.ts chainPages).
        const pages = client.pages(start.path, {
          method: start.method,
          query: start.query,
          headers: start.headers,
          paginate: kp.paginate,
          records: kp.records,
          kind: kp.kind,
        });
        let count = 0;
        for await (const _page of pages) count++;
        expect(count).toBeGreaterThan(0);
        const home = api.seen[0]?.headers ?? {};
        expect([home['x-tenant-key'], home['x-api-key'], home['x-req-secret']]).toEqual([
          EXTRA,
          API_KEY,
          `Pin ${PIN}`,
        ]);
        expect(other.seen).toHaveLength(1);
        const away = other.seen[0]?.headers ?? {};
        expect(away['x-tenant-key']).toBeUndefined();
        expect(away['x-api-key']).toBeUndefined();
        expect(away['x-req-secret']).toBeUndefined();
        expect(away['x-req-plain']).toBe('visible');
        expect(JSON.stringify(other.seen)).not.toMatch(new RegExp(`${EXTRA}|${API_KEY}`));
      } finally {
        await client.close();
        await api.close();
        await other.close();
      }
    },
  );

  it('retries an OAuth2 token endpoint that answers 503 with Retry-After, then uses the token', async () => {
    let calls = 0;
    const api = await origin((req, res) => {
      if (req.url === '/oauth/token' && calls++ === 0) {
        res.writeHead(503, { 'retry-after': '0', 'content-type': 'application/json' }).end('{}');
      } else if (req.url === '/oauth/token') {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"access_token":"at-1","expires_in":3600}');
      } else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(req.headers));
    });
    const path = await manifest(`  baseUrl: "{config.baseUrl}"
  retry: { backoff: { initial: 1ms, max: 1ms } }
  auth: { type: oauth2, tokenUrl: /oauth/token, clientId: inlet, clientSecret: "{config.clientSecret}", grant: client_credentials }`);
    const loaded = await loadManifest(path, { set: [`baseUrl=${api.url}`, 'clientSecret=cs-value-1'] });
    const client = connect(loaded);
    try {
      const { data } = await client.get<Record<string, string>>('/api/echo');
      expect(data.authorization).toBe('Bearer at-1');
      expect(calls).toBe(2);
    } finally {
      await client.close();
      await api.close();
    }
  });
});
