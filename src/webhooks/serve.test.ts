/**
 * `inlet serve` on loopback with the real GitHub integration manifest and a real SQLite catalog:
 * real GitHub payloads signed as GitHub signs them are accepted and stored; forged, tampered,
 * unsigned, oversize and repeated deliveries are refused or de-duplicated, and no secret reaches
 * a log line, /metrics, the inbox or an answer.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CatalogStore, openCatalog } from '../catalog/index.js';
import { runCli } from '../cli/program.js';
import { createLogger } from '../http/log.js';
import { type Integration, openIntegration } from '../sync/open-integration.js';
import { githubExamples, signDelivery } from './github-deliveries.js';
import { type RunningServe, startServe } from './serve.js';

const GITHUB = fileURLToPath(new URL('../../integrations/github', import.meta.url));
const SECRET = 'whsec-CANARY-5b1e9d0c7a';
const TOKEN = 'ghp_CANARYtoken0123456789abcdefABCDEF';
const FIVE_MIB = 5 * 1024 * 1024;

let dir: string;
let integration: Integration;
let store: CatalogStore;
let serve: RunningServe;
let hookUrl: string;
const logs: string[] = [];
const answers: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inlet-serve-'));
  integration = await openIntegration(GITHUB, {
    set: ['orgs=acme', `webhookSecret=${SECRET}`, `token=${TOKEN}`, 'baseUrl=http://127.0.0.1:9'],
    env: {},
  });
  store = await openCatalog(join(dir, 'inlet.db'));
  const logger = createLogger({
    level: 'trace',
    format: 'json',
    destination: { write: (l: string) => logs.push(l) },
  });
  serve = await startServe({ integration, store, host: '127.0.0.1', port: 0, logger });
  hookUrl = `${serve.url}${serve.path}`;
});

afterAll(async () => {
  await serve?.stop();
  await integration?.close();
  await rm(dir, { recursive: true, force: true });
});

async function post(headers: Record<string, string>, body: Buffer | string) {
  const response = await fetch(hookUrl, { method: 'POST', headers, body });
  const text = await response.text();
  answers.push(text);
  return { status: response.status, json: JSON.parse(text) as Record<string, unknown> };
}

async function metric(outcome: string): Promise<number> {
  const text = await (await fetch(`${serve.url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`inlet_webhook_deliveries_total{integration="github",outcome="${outcome}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

const stored = async () => store.listDeliveries('github', { limit: 100_000 });

describe('inlet serve: real GitHub deliveries', () => {
  it('answers /healthz, /readyz and /metrics; 404 elsewhere, 405 for a wrong method', async () => {
    expect(await (await fetch(`${serve.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${serve.url}/readyz`)).status).toBe(200);
    const metrics = await fetch(`${serve.url}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await metrics.text()).toContain('# TYPE inlet_webhook_ack_seconds histogram');
    expect((await fetch(`${serve.url}/nope`)).status).toBe(404);
    const wrong = await fetch(hookUrl);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect((await fetch(`${serve.url}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  it('every pull_request and repository example, signed, is accepted (202) and stored in the inbox', async () => {
    const examples = githubExamples(['pull_request', 'repository']);
    expect(examples.length).toBeGreaterThan(30);
    const before = await metric('accepted');
    const sent = new Map<string, { event: string; payload: unknown }>();
    for (const { event, payload } of examples) {
      const delivery = signDelivery(event, payload, SECRET);
      // Credentials a proxy or a client might add: never stored.
      const headers = { ...delivery.headers, authorization: `Bearer ${TOKEN}`, cookie: `s=${TOKEN}` };
      const { status, json } = await post(headers, delivery.body);
      expect({ status, status_: json.status }).toEqual({ status: 202, status_: 'accepted' });
      expect(typeof json.id).toBe('number');
      sent.set(delivery.id, { event, payload });
    }
    const rows = new Map((await stored()).map((row) => [row.deliveryId, row]));
    for (const [id, { event, payload }] of sent) {
      const row = rows.get(id);
      expect(row?.kind).toBe(event === 'repository' ? 'repository' : 'pull-request');
      const saved = JSON.parse(row?.body ?? 'null') as { headers: Record<string, string>; body: unknown };
      expect(saved.body).toEqual(payload);
      expect(saved.headers['x-github-event']).toBe(event);
      expect(saved.headers).not.toHaveProperty('x-hub-signature-256');
      expect(saved.headers).not.toHaveProperty('authorization');
      expect(saved.headers).not.toHaveProperty('cookie');
    }
    expect((await metric('accepted')) - before).toBe(examples.length);
  });

  it("those deliveries, once applied, leave the catalog holding each entity's newest state (deletes included)", async () => {
    // The previous test stored every example; the server's own applier applies them in the background.
    for (let i = 0; i < 600 && (await store.inboxCounts('github')).pending > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await store.inboxCounts('github')).toEqual({ pending: 0, dead: 0 });
    // What GitHub's examples imply, by entity: the delivery with the newest updated_at wins (equal: the later).
    type Repo = { full_name: string; name: string; updated_at: string };
    type Pull = { number: number; title: string; updated_at: string; base: { repo: { full_name: string } } };
    const winners = new Map<string, { order: string; title: string; deleted: boolean }>();
    for (const { event, payload } of githubExamples(['pull_request', 'repository'])) {
      const body = payload as { action: string; repository: Repo; pull_request: Pull };
      const [key, state] =
        event === 'repository'
          ? [
              `githubRepository/${body.repository.full_name}`,
              {
                order: body.repository.updated_at,
                title: body.repository.name,
                deleted: body.action === 'deleted',
              },
            ]
          : [
              `githubPullRequest/${body.pull_request.base.repo.full_name}#${body.pull_request.number}`,
              { order: body.pull_request.updated_at, title: body.pull_request.title, deleted: false },
            ];
      const known = winners.get(key);
      if (!known || known.order <= state.order) winners.set(key, state);
    }
    const expected = [...winners]
      .filter(([, w]) => !w.deleted)
      .map(([key, w]) => `${key} ${w.title}`)
      .sort();
    const actual: string[] = [];
    for await (const e of store.exportEntities({ integration: 'github' })) {
      actual.push(`${e.blueprint}/${e.identifier} ${e.title}`);
    }
    expect(actual.sort()).toEqual(expected);
    expect(expected.length).toBeGreaterThan(2);
    // Many deliveries per entity: order decided which one stayed.
    expect(githubExamples(['pull_request', 'repository']).length).toBeGreaterThan(winners.size * 5);
  });

  it('a wrong secret, a tampered byte, or no signature: 401, nothing stored, counted as rejected', async () => {
    const payload = githubExamples(['pull_request'])[0]?.payload;
    const before = { rows: (await stored()).length, rejected: await metric('rejected') };
    const forged = signDelivery('pull_request', payload, 'not-the-secret');
    const good = signDelivery('pull_request', payload, SECRET);
    const tampered = Buffer.from(good.body);
    const at = tampered.indexOf('"number":') + 9;
    tampered[at] = (tampered[at] ?? 0) ^ 1;
    const unsigned = signDelivery('pull_request', payload, SECRET);
    const { 'x-hub-signature-256': _dropped, ...noSignature } = unsigned.headers;
    for (const [headers, body] of [
      [forged.headers, forged.body],
      [good.headers, tampered],
      [noSignature, unsigned.body],
    ] as const) {
      const { status, json } = await post(headers, body);
      expect(status).toBe(401);
      expect(json.status).toBe('rejected');
    }
    expect((await stored()).length).toBe(before.rows);
    expect((await metric('rejected')) - before.rejected).toBe(3);
  });

  it('one delivery sent 3 times is stored once; the repeats are 200 duplicate', async () => {
    const payload = githubExamples(['repository'])[0]?.payload;
    const delivery = signDelivery('repository', payload, SECRET);
    const before = { rows: (await stored()).length, duplicate: await metric('duplicate') };
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await post(delivery.headers, delivery.body));
    expect(results.map((r) => [r.status, r.json.status])).toEqual([
      [202, 'accepted'],
      [200, 'duplicate'],
      [200, 'duplicate'],
    ]);
    expect(new Set(results.map((r) => r.json.id)).size).toBe(1);
    expect((await stored()).length).toBe(before.rows + 1);
    expect((await metric('duplicate')) - before.duplicate).toBe(2);
  });

  it('without a delivery id header, the SHA-256 of the body is the id', async () => {
    const payload = githubExamples(['repository'])[1]?.payload;
    const { createHash } = await import('node:crypto');
    const delivery = signDelivery('repository', payload, SECRET);
    const { 'x-github-delivery': _id, ...headers } = delivery.headers;
    const first = await post(headers, delivery.body);
    const again = await post(headers, delivery.body);
    expect([first.json.status, again.json.status]).toEqual(['accepted', 'duplicate']);
    const row = (await stored()).find((r) => r.id === first.json.id);
    expect(row?.deliveryId).toBe(createHash('sha256').update(delivery.body).digest('hex'));
  });

  it('an event no entry matches is 202 ignored and not stored; a body that is not JSON is 400', async () => {
    const before = (await stored()).length;
    const push = signDelivery('push', { ref: 'refs/heads/main' }, SECRET);
    expect(await post(push.headers, push.body)).toEqual({ status: 202, json: { status: 'ignored' } });
    const text = signDelivery('pull_request', {}, SECRET);
    const raw = Buffer.from('not json{');
    const { createHmac } = await import('node:crypto');
    const signature = `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`;
    const bad = await post({ ...text.headers, 'x-hub-signature-256': signature }, raw);
    expect(bad.status).toBe(400);
    expect(String(bad.json.reason)).toMatch(/^body is not JSON/);
    expect((await stored()).length).toBe(before);
  });

  it('413 for a Content-Length over 5 MiB, answered before the body is sent', async () => {
    const before = { rows: (await stored()).length, big: await metric('too_large') };
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(hookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(FIVE_MIB + 1) },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.flushHeaders(); // no body byte is ever written
    });
    expect(status).toBe(413);
    expect((await stored()).length).toBe(before.rows);
    expect((await metric('too_large')) - before.big).toBe(1);
  });

  it('413 for a chunked body that passes 5 MiB, without waiting for its end', async () => {
    const before = (await stored()).length;
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(hookUrl, { method: 'POST', headers: { 'content-type': 'application/json' } });
      let answered = false;
      const chunk = Buffer.alloc(256 * 1024, 0x20);
      req.on('response', (res) => {
        answered = true;
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', (error) => (answered ? undefined : reject(error)));
      // Up to 64 MiB, written as the socket drains; the server answers long before the end.
      let sent = 0;
      const write = () => {
        while (!answered && sent < 64 * 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', write);
        }
        if (!answered) req.end();
      };
      write();
    });
    expect(status).toBe(413);
    expect((await stored()).length).toBe(before);
  });

  it('no secret appears in logs, /metrics, the inbox or any answer', async () => {
    const metrics = await (await fetch(`${serve.url}/metrics`)).text();
    const inbox = (await stored()).map((row) => row.body).join('\n');
    for (const place of [logs.join('\n'), metrics, inbox, answers.join('\n')]) {
      expect(place).not.toContain(SECRET);
      expect(place).not.toContain(TOKEN);
    }
    expect(logs.join('\n')).toContain('webhook delivery refused');
  });
});

describe('inlet serve: refuses to start without its secret', () => {
  it('exit 2 and one line naming the setting and where to set it', async () => {
    const saved = process.env.GITHUB_WEBHOOK_SECRET;
    delete process.env.GITHUB_WEBHOOK_SECRET;
    const err: string[] = [];
    try {
      const code = await runCli(
        ['node', 'inlet', 'serve', GITHUB, '--set', 'orgs=acme', '--db', join(dir, 'x.db')],
        {
          stdout: () => {},
          stderr: (text) => err.push(text),
        },
      );
      expect(code).toBe(2);
    } finally {
      if (saved !== undefined) process.env.GITHUB_WEBHOOK_SECRET = saved;
    }
    expect(err.join('')).toBe(
      'E_CONFIG: webhooks.verify.secret: config.webhookSecret is empty (set GITHUB_WEBHOOK_SECRET or --set webhookSecret=…)\n',
    );
  });
});
