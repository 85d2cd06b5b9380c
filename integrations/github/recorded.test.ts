/**
 * Real GitHub interactions recorded by @octokit/fixtures (MIT), replayed from a loopback server
 * through the HTTP core: status, headers (Link, x-ratelimit-*) and bodies exactly as recorded.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isInletError } from '../../src/errors/errors.js';
import { bearerAuth } from '../../src/http/auth/index.js';
import { type Client, createClient } from '../../src/http/client.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

interface Recorded {
  method: string;
  path: string;
  body?: unknown;
  status: number;
  response: unknown;
  headers: Record<string, string | number>;
}

const SCENARIOS = join(
  dirname(createRequire(import.meta.url).resolve('@octokit/fixtures/package.json')),
  'scenarios',
  'api.github.com',
);
const RECORDED_ORIGIN = 'https://api.github.com';
/** Hop-by-hop and length headers describe the recorded connection, not this one. */
const SKIPPED = new Set(['content-length', 'connection', 'transfer-encoding']);

const load = async (scenario: string): Promise<Recorded[]> =>
  JSON.parse(await readFile(join(SCENARIOS, scenario, 'normalized-fixture.json'), 'utf8')) as Recorded[];

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

interface Replay {
  origin: string;
  /** `METHOD path?query` of every request served, in order, with its JSON body if any. */
  served: Array<{ key: string; body: unknown }>;
  close(): Promise<void>;
}

/** Serve the recorded responses keyed by method + path + query; anything else is a 599 the test will see. */
async function replay(records: Recorded[]): Promise<Replay> {
  const byKey = new Map(records.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r]));
  const served: Replay['served'] = [];
  let origin = '';
  const server: Server = createServer(async (req, res) => {
    const key = `${req.method} ${req.url}`;
    const text = await readBody(req);
    served.push({ key, body: text ? JSON.parse(text) : undefined });
    const record = byKey.get(key);
    if (!record) {
      res.writeHead(599, { 'content-type': 'text/plain' }).end(`not recorded: ${key}`);
      return;
    }
    for (const [name, value] of Object.entries(record.headers)) {
      if (SKIPPED.has(name)) continue;
      res.setHeader(name, String(value).replaceAll(RECORDED_ORIGIN, origin));
    }
    res.statusCode = record.status;
    res.end(typeof record.response === 'string' ? record.response : JSON.stringify(record.response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('recorded GitHub responses (@octokit/fixtures) through the HTTP core', () => {
  let server: Replay | undefined;
  let client: Client | undefined;
  const connect = (origin: string) =>
    createClient({
      baseUrl: origin,
      auth: bearerAuth('0000000000000000000000000000000000000001'),
      headers: { accept: 'application/vnd.github.v3+json' },
      rateLimit: { headers: { remaining: 'x-ratelimit-remaining', reset: 'x-ratelimit-reset' } },
      retry: { attempts: 2, backoff: { initial: 1, max: 1 } },
      clock: new VirtualClock(),
    });
  afterEach(async () => {
    await client?.close();
    await server?.close();
    client = undefined;
    server = undefined;
  });

  it('get-organization: the organization record', async () => {
    const records = await load('get-organization');
    server = await replay(records);
    client = connect(server.origin);
    const res = await client.get<{ login: string; id: number }>('/orgs/octokit-fixture-org');
    expect(res.status).toBe(200);
    expect(res.data).toEqual(records[0]?.response);
    expect(res.data.login).toBe('octokit-fixture-org');
    expect(res.headers['x-ratelimit-remaining']).toBe('4999');
  });

  it('paginate-issues: all five Link-paginated pages, records in order', async () => {
    const records = await load('paginate-issues');
    expect(records).toHaveLength(5);
    server = await replay(records);
    client = connect(server.origin);
    const issues: Array<{ number: number }> = [];
    for await (const issue of client.paginate<{ number: number }>(
      '/repos/octokit-fixture-org/paginate-issues/issues',
      { query: { per_page: 3 }, paginate: { type: 'link' } },
    )) {
      issues.push(issue);
    }
    const recorded = records.flatMap((r) => r.response as Array<{ number: number }>);
    expect(issues.map((i) => i.number)).toEqual(recorded.map((i) => i.number));
    expect(issues.map((i) => i.number)).toEqual([13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    // The recorded next links (to /repositories/1000/issues) were followed, once each, in order.
    expect(server.served.map((s) => s.key)).toEqual(records.map((r) => `GET ${r.path}`));
  });

  it('errors: a 422 Validation Failed is an E_CLIENT error with status and GitHub message', async () => {
    const records = await load('errors');
    server = await replay(records);
    client = connect(server.origin);
    const error = await client
      .post('/repos/octokit-fixture-org/errors/labels', { body: records[0]?.body })
      .catch((e: unknown) => e);
    expect(isInletError(error, 'E_CLIENT')).toBe(true);
    if (!isInletError(error)) return;
    expect(error.status).toBe(422);
    expect(error.method).toBe('POST');
    expect(error.message).toContain('Validation Failed');
    expect(error.requestId).toBe('0000:00000:0000000:0000000:00000000');
    // Sent once (POST is not retried) with the recorded body.
    expect(server.served).toEqual([
      { key: 'POST /repos/octokit-fixture-org/errors/labels', body: records[0]?.body },
    ]);
  });

  it('branch-protection: a recorded 404 is E_NOT_FOUND carrying GitHub message', async () => {
    const records = (await load('branch-protection')).filter((r) => r.status === 404);
    expect(records.length).toBeGreaterThan(0);
    server = await replay(records);
    client = connect(server.origin);
    const error = await client
      .get('/repos/octokit-fixture-org/branch-protection/branches/main/protection')
      .catch((e: unknown) => e);
    expect(isInletError(error, 'E_NOT_FOUND')).toBe(true);
    if (!isInletError(error)) return;
    expect(error.status).toBe(404);
    expect(error.message).toContain('Branch not protected');
    expect(server.served).toHaveLength(1);
  });
});
