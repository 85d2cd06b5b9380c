import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { type GithubSimulator, startSimulator } from '../../integrations/github/simulator/start.js';
import { type JiraSimulator, startJiraSimulator } from '../../integrations/jira/simulator/start.js';
import { builtInDir } from '../../integrations/registry.js';
import { isInletError } from '../errors/errors.js';
import { createLogger } from '../http/log.js';
import { openIntegration } from '../sync/open-integration.js';
import { serve } from '../testing/serve.js';
import { registerWebhooks, registrationLine, webhookUrl } from './register.js';
import { registerAtStart } from './register-at-start.js';

const SECRET = 'whsec-do-not-leak-4f1c9e';
const PUBLIC = 'https://hooks.example.test/inlet/';
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function github(sim: { settings: string[] } | { url: string }, extra: string[] = []) {
  const set = 'settings' in sim ? sim.settings : [`baseUrl=${sim.url}`, 'token=ghp_x', 'orgs=acme,globex'];
  const opened = await openIntegration(builtInDir('github') ?? '', {
    set: [...set, `webhookSecret=${SECRET}`, ...extra],
  });
  closers.push(() => opened.close());
  return opened;
}

async function githubSim(options: Parameters<typeof startSimulator>[0] = {}): Promise<GithubSimulator> {
  const sim = await startSimulator({ size: { orgs: 2, reposPerOrg: 1, prsPerRepo: 0 }, ...options });
  closers.push(() => sim.close());
  return sim;
}

async function jiraSim(options: Parameters<typeof startJiraSimulator>[0] = {}): Promise<JiraSimulator> {
  const sim = await startJiraSimulator({ size: { projects: 1, issuesPerProject: 0 }, ...options });
  closers.push(() => sim.close());
  return sim;
}

describe('webhookUrl', () => {
  it('joins with exactly one slash and refuses what is not a base URL', () => {
    expect(webhookUrl('https://h.test/inlet/', '/webhooks/github')).toBe(
      'https://h.test/inlet/webhooks/github',
    );
    expect(webhookUrl('https://h.test', 'webhooks/x')).toBe('https://h.test/webhooks/x');
    expect(() => webhookUrl('h.test', '/x')).toThrow(/--public-url/);
    expect(() => webhookUrl('https://h.test/?a=1', '/x')).toThrow(/no query/);
  });
});

describe('registerWebhooks on the GitHub simulator', () => {
  it('creates one org hook per org, and run again creates nothing', async () => {
    const sim = await githubSim();
    const integration = await github(sim);
    const first = await registerWebhooks(integration, { publicUrl: PUBLIC });
    expect(first.map(registrationLine)).toEqual(['org=acme: created', 'org=globex: created']);
    const second = await registerWebhooks(integration, { publicUrl: PUBLIC });
    expect(second.map(registrationLine)).toEqual(['org=acme: exists', 'org=globex: exists']);
    expect(sim.hooks.hooks.map((h) => [h.org, h.config.url, h.events, h.config.secret])).toEqual([
      ['acme', 'https://hooks.example.test/inlet/webhooks/github', ['repository', 'pull_request'], SECRET],
      ['globex', 'https://hooks.example.test/inlet/webhooks/github', ['repository', 'pull_request'], SECRET],
    ]);
    expect(sim.hooks.calls).toEqual([
      'GET /orgs/acme/hooks',
      'POST /orgs/acme/hooks',
      'GET /orgs/globex/hooks',
      'POST /orgs/globex/hooks',
      'GET /orgs/acme/hooks',
      'GET /orgs/globex/hooks',
    ]);
  });

  it('two runs at once still make one hook per org', async () => {
    const sim = await githubSim();
    const a = await github(sim);
    const b = await github(sim);
    const results = await Promise.all([
      registerWebhooks(a, { publicUrl: PUBLIC }),
      registerWebhooks(b, { publicUrl: PUBLIC }),
    ]);
    expect(
      results
        .flat()
        .map((r) => r.status)
        .sort(),
    ).toEqual(['created', 'created', 'exists', 'exists']);
    expect(sim.hooks.hooks).toHaveLength(2);
  });

  it('a hook made by another process between list and create counts as exists (GitHub 422)', async () => {
    const sim = await githubSim();
    const integration = await github(sim, ['orgs=acme']);
    // Another registrar's hook appears right after our list: the create then meets GitHub's 422.
    let listed = 0;
    const app = new Hono();
    app.all('*', async (c) => {
      const url = new URL(c.req.url);
      if (c.req.method === 'GET' && url.pathname === '/orgs/acme/hooks' && ++listed === 1) {
        const res = await fetch(`${sim.url}${url.pathname}${url.search}`, { headers: c.req.raw.headers });
        await fetch(`${sim.url}/orgs/acme/hooks`, {
          method: 'POST',
          headers: c.req.raw.headers,
          body: JSON.stringify({ name: 'web', config: { url: webhookUrl(PUBLIC, '/webhooks/github') } }),
        });
        return new Response(await res.text(), {
          status: res.status,
          headers: { 'content-type': 'application/json' },
        });
      }
      return fetch(`${sim.url}${url.pathname}${url.search}`, {
        method: c.req.method,
        headers: c.req.raw.headers,
        body: c.req.method === 'GET' ? undefined : await c.req.text(),
      });
    });
    const proxy = await serve(app);
    closers.push(() => proxy.close());
    expect(integration.name).toBe('github');
    const viaProxy = await github(sim, ['orgs=acme', `baseUrl=${proxy.url}`]);
    const results = await registerWebhooks(viaProxy, { publicUrl: PUBLIC });
    expect(results.map(registrationLine)).toEqual(['org=acme: exists']);
    expect(sim.hooks.hooks).toHaveLength(1);
  });

  it('without admin:org_hook nothing is created and the right is named', async () => {
    const sim = await githubSim({ hookAccess: 'no-scope' });
    const results = await registerWebhooks(await github(sim), { publicUrl: PUBLIC });
    expect(results.map(registrationLine)).toEqual([
      "org=acme: missing right: admin:org_hook on acme (an organization owner's token with the admin:org_hook scope) (GET /orgs/acme/hooks answered 404)",
      "org=globex: missing right: admin:org_hook on globex (an organization owner's token with the admin:org_hook scope) (GET /orgs/globex/hooks answered 404)",
    ]);
    expect(sim.hooks.calls.filter((c) => c.startsWith('POST'))).toEqual([]);
  });

  it('refuses to create a hook without its secret', async () => {
    const sim = await githubSim();
    const integration = await github(sim, ['webhookSecret=']);
    await expect(registerWebhooks(integration, { publicUrl: PUBLIC })).rejects.toThrow(
      /setting webhookSecret is not set/,
    );
    expect(sim.hooks.calls).toEqual([]);
  });
});

describe('registerWebhooks against a hostile hook list', () => {
  async function hostile(handler: (c: import('hono').Context) => Response | Promise<Response>) {
    const posts: string[] = [];
    const app = new Hono();
    app.get('/orgs/:org/hooks', handler);
    app.post('/orgs/:org/hooks', (c) => {
      posts.push(c.req.path);
      return c.json({ id: 1 }, 201);
    });
    const server = await serve(app);
    closers.push(() => server.close());
    return { url: server.url, posts };
  }

  it('a list that paginates forever is an error, and nothing is created', async () => {
    const api = await hostile((c) => {
      const page = Number(c.req.query('page') ?? 1);
      c.header('link', `<${new URL(c.req.url).origin}/orgs/acme/hooks?page=${page + 1}>; rel="next"`);
      return c.json([{ id: page, config: { url: `https://elsewhere.test/${page}` } }]);
    });
    const error = await registerWebhooks(await github(api), { publicUrl: PUBLIC }).catch((e: unknown) => e);
    expect(isInletError(error, 'E_PAGINATION')).toBe(true);
    expect(String((error as Error).message)).toMatch(
      /GET \/orgs\/acme\/hooks did not end \(maxPages \(20\) reached/,
    );
    expect(api.posts).toEqual([]);
  });

  it('a list that is not an array is an error, and nothing is created', async () => {
    const api = await hostile((c) => c.json({ message: 'all good', hooks: 'none' }));
    const error = await registerWebhooks(await github(api), { publicUrl: PUBLIC }).catch((e: unknown) => e);
    expect(isInletError(error, 'E_RESPONSE')).toBe(true);
    expect(String((error as Error).message)).toMatch(
      /gave an object where records \(\.\) should be an array of hooks/,
    );
    expect(api.posts).toEqual([]);
  });

  it('a failing provider error carries no secret', async () => {
    const app = new Hono();
    app.get('/orgs/:org/hooks', (c) => c.json([]));
    // The create answers 400 echoing the request body, secret included.
    app.post('/orgs/:org/hooks', async (c) => c.json({ message: 'bad', echo: await c.req.json() }, 400));
    const server = await serve(app);
    closers.push(() => server.close());
    const error = await registerWebhooks(await github(server), { publicUrl: PUBLIC }).catch(
      (e: unknown) => e,
    );
    expect(isInletError(error, 'E_CLIENT')).toBe(true);
    const text = JSON.stringify({
      message: (error as Error).message,
      body: (error as { body?: string }).body,
    });
    expect(text).toContain('echo');
    expect(text).not.toContain(SECRET);
  });
});

describe('registerWebhooks on the Jira simulator', () => {
  const settings = (sim: JiraSimulator) => [...sim.settings, `webhookSecret=${SECRET}`];

  it('checks Administer Jira first, then lists and creates one admin webhook, once', async () => {
    const sim = await jiraSim();
    const jira = await openIntegration(builtInDir('jira') ?? '', { set: settings(sim) });
    closers.push(() => jira.close());
    expect((await registerWebhooks(jira, { publicUrl: PUBLIC })).map(registrationLine)).toEqual(['created']);
    expect((await registerWebhooks(jira, { publicUrl: PUBLIC })).map(registrationLine)).toEqual(['exists']);
    expect(sim.webhooks.calls).toEqual([
      'GET /rest/api/3/mypermissions',
      'GET /rest/webhooks/1.0/webhook',
      'POST /rest/webhooks/1.0/webhook',
      'GET /rest/api/3/mypermissions',
      'GET /rest/webhooks/1.0/webhook',
    ]);
    expect(sim.webhooks.admin.map((h) => [h.url, h.secret, h.excludeBody, h.events.length])).toEqual([
      ['https://hooks.example.test/inlet/webhooks/jira', SECRET, false, 6],
    ]);
  });

  it('without Administer Jira: the right is named and nothing else is asked', async () => {
    const sim = await jiraSim({ administer: false });
    const jira = await openIntegration(builtInDir('jira') ?? '', { set: settings(sim) });
    closers.push(() => jira.close());
    expect((await registerWebhooks(jira, { publicUrl: PUBLIC })).map(registrationLine)).toEqual([
      'missing right: Administer Jira (the global ADMINISTER permission) (.permissions.ADMINISTER.havePermission is false)',
    ]);
    expect(sim.webhooks.calls).toEqual(['GET /rest/api/3/mypermissions']);
  });

  it('with an OAuth token: one dynamic webhook through /rest/api/3/webhook, once', async () => {
    const sim = await jiraSim();
    const set = [`baseUrl=${sim.url}`, 'oauthToken=eyJhbGciOi-simulator-oauth', `webhookSecret=${SECRET}`];
    const jira = await openIntegration(builtInDir('jira') ?? '', { set });
    closers.push(() => jira.close());
    expect((await registerWebhooks(jira, { publicUrl: PUBLIC })).map(registrationLine)).toEqual(['created']);
    expect((await registerWebhooks(jira, { publicUrl: PUBLIC })).map(registrationLine)).toEqual(['exists']);
    expect(sim.webhooks.calls).toEqual([
      'GET /rest/api/3/webhook',
      'POST /rest/api/3/webhook',
      'GET /rest/api/3/webhook',
    ]);
    expect(sim.webhooks.dynamic.map((h) => h.url)).toEqual([
      'https://hooks.example.test/inlet/webhooks/jira',
    ]);
  });
});

describe('registerAtStart (inlet serve --public-url)', () => {
  const capture = () => {
    const lines: string[] = [];
    const logger = createLogger({
      format: 'json',
      level: 'trace',
      destination: { write: (l: string) => lines.push(l) },
    });
    return { lines, logger };
  };

  it('warns naming the missing right and goes on; creates and logs otherwise, never the secret', async () => {
    const denied = await githubSim({ hookAccess: 'member' });
    const a = capture();
    await registerAtStart({ integration: await github(denied), publicUrl: PUBLIC, logger: a.logger });
    expect(
      a.lines.map((l) => JSON.parse(l) as { level: number; msg: string }).map((l) => [l.level, l.msg]),
    ).toEqual([
      [
        40,
        expect.stringMatching(/^webhook registration github org=acme: missing right: admin:org_hook on acme/),
      ],
      [40, expect.stringMatching(/^webhook registration github org=globex: missing right/)],
    ]);
    const allowed = await githubSim();
    const b = capture();
    await registerAtStart({ integration: await github(allowed), publicUrl: PUBLIC, logger: b.logger });
    expect(b.lines.join('')).toContain('org=acme: created');
    expect([...a.lines, ...b.lines].join('')).not.toContain(SECRET);
  });

  it('a registration that fails is a warning, not a crash', async () => {
    const app = new Hono();
    app.get('/orgs/:org/hooks', (c) => c.json({ not: 'an array' }));
    const server = await serve(app);
    closers.push(() => server.close());
    const { lines, logger } = capture();
    await registerAtStart({ integration: await github(server), publicUrl: PUBLIC, logger });
    expect(lines.join('')).toMatch(
      /webhook registration github failed, deliveries may not arrive: E_RESPONSE/,
    );
  });
});
