import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Entity } from '../catalog/index.js';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { type Integration, openIntegration } from './open-integration.js';
import { runJob } from './sync-job.js';

const MANIFEST = `
name: fan
config:
  baseUrl: { type: url, required: true }
connection:
  baseUrl: "{config.baseUrl}"
  retry: { attempts: 1 }
resources:
  item:
    request: { path: /api/link/items, query: { per_page: "4" } }
    paginate: { type: link }
  detail:
    parent: item
    request: { path: "/api/items/{parent.id}" }
mapping:
  resources:
    - kind: item
      port:
        entity:
          mappings: { identifier: '.id | tostring', blueprint: '"item"' }
`;

let dir: string;
let server: TestServer | undefined;
let integration: Integration | undefined;

afterEach(async () => {
  await integration?.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('runJob', () => {
  it("enqueues a page's child jobs while the page is stored, not after", async () => {
    const { kp, fan } = await itemKind();
    const enqueued: { child: string; ids: unknown[]; key: string }[] = [];
    let childrenSeen = () => {};
    const seen = new Promise<void>((resolve) => {
      childrenSeen = resolve;
    });
    const stored: string[] = [];
    // The first write returns only once a child job exists: a job that enqueued children after
    // storing their parents would never get there.
    const store = {
      async upsertBatch(_integration: string, _run: number, entities: Entity[]) {
        await seen;
        stored.push(...entities.map((e) => e.identifier));
        return { upserted: entities.length, unchanged: 0 };
      },
    };
    const result = await runJob(
      {
        integration: 'fan',
        runId: 1,
        kp,
        client: fan.connect(),
        mapper: fan.mapper,
        store,
        stored: true,
        children: ['detail'],
        concurrency: 1,
        signal: new AbortController().signal,
        onParents: async (child, records, key) => {
          enqueued.push({ child, ids: records.map((r) => r.id), key });
          childrenSeen();
        },
      },
      { kind: 'item', chain: 0 },
    );
    expect(result.upserted).toBe(10);
    expect(stored.sort()).toEqual(Array.from({ length: 10 }, (_, i) => String(i + 1)).sort());
    // Every page went to the child kind once, in page order, keyed by chain and page.
    expect(enqueued.map((e) => e.ids.length)).toEqual([4, 4, 2]);
    expect(enqueued.flatMap((e) => e.ids)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(new Set(enqueued.map((e) => e.key)).size).toBe(3);
    expect(enqueued.every((e) => e.child === 'detail')).toBe(true);
  });

  // A job whose write fails while its children are being enqueued (or the reverse) must not
  // reject until the other is done: the coordinator would count it finished and clean the run
  // up, and the late enqueue would add jobs to a run that no longer exists.
  for (const failing of ['store', 'enqueue'] as const) {
    it(`rejects only once its enqueues and writes settled, when the ${failing} fails`, async () => {
      const { kp, fan } = await itemKind();
      let open = () => {};
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      let started = () => {};
      const bothStarted = new Promise<void>((resolve) => {
        started = resolve;
      });
      let calls = 0;
      const events: string[] = [];
      const boom = new Error(`${failing} failed`);
      // The failing side fails at once; the other waits on the gate.
      const side = async (name: 'store' | 'enqueue') => {
        if (++calls === 2) started();
        if (name === failing) {
          events.push(`${name} rejected`);
          throw boom;
        }
        await gate;
        events.push(`${name} done`);
      };
      const outcome = runJob(
        {
          integration: 'fan',
          runId: 1,
          kp,
          client: fan.connect(),
          mapper: fan.mapper,
          store: {
            async upsertBatch() {
              await side('store');
              return { upserted: 0, unchanged: 0 };
            },
          },
          stored: true,
          children: ['detail'],
          concurrency: 1,
          signal: new AbortController().signal,
          onParents: () => side('enqueue'),
        },
        { kind: 'item', chain: 0 },
      ).then(
        () => 'resolved',
        (e: unknown) => {
          events.push('job rejected');
          return e;
        },
      );
      await bothStarted;
      await new Promise((r) => setTimeout(r, 30));
      expect(events).toEqual([`${failing} rejected`]);
      open();
      expect(await outcome).toBe(boom);
      const other = failing === 'store' ? 'enqueue' : 'store';
      expect(events).toEqual([`${failing} rejected`, `${other} done`, 'job rejected']);
    });
  }
});

async function itemKind() {
  dir = await mkdtemp(join(tmpdir(), 'inlet-job-'));
  await writeFile(join(dir, 'inlet.yaml'), MANIFEST);
  server = await startTestServer({ items: 10 });
  integration = await openIntegration(dir, { set: [`baseUrl=${server.url}`] });
  const plan = await integration.compile(integration.planData());
  return { kp: plan.kinds.find((k) => k.kind === 'item')!, fan: integration };
}
