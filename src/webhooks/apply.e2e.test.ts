import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CatalogStore, type InboxEntry, openCatalog, type StoredEntity } from '../catalog/index.js';
import { type Integration, openIntegration } from '../sync/open-integration.js';
import { postgresUnavailable, startPostgres, type TestPostgres } from '../testing/postgres.js';
import { VirtualClock } from '../testing/virtual-clock.js';
import { startApplier } from './apply.js';
import { integrationApplyDeps } from './apply-deps.js';
import { HOOK_MANIFEST, type HookApi, type HookItem, startHookApi } from './hook-api.js';
import type { Applier, ApplyMetrics, EventMatcher, MatchedEvent } from './types.js';

/** `events` built by hand: `{action, item}` bodies; the kind is in the body; order is updated_at. */
const events: EventMatcher = {
  match: async (delivery) => {
    const body = delivery.body as { action: string; kind?: string; item: HookItem };
    const event: MatchedEvent = {
      index: 0,
      kind: body.kind ?? 'item',
      record: body.item,
      delete: body.action === 'deleted',
    };
    if (body.item?.updated_at) event.order = body.item.updated_at;
    return event;
  },
};

function countingMetrics() {
  const applied: Record<string, number> = {};
  const inbox: Array<{ pending: number; dead: number }> = [];
  const metrics: ApplyMetrics = {
    applied: (kind, result) => {
      applied[`${kind}:${result}`] = (applied[`${kind}:${result}`] ?? 0) + 1;
    },
    inbox: (counts) => inbox.push(counts),
  };
  return { applied, inbox, metrics };
}

/** Waits (real time, generously) for a condition; never a timed assertion. */
async function until(what: string, cond: () => Promise<boolean> | boolean, ms = 20_000) {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function entity(store: CatalogStore, blueprint: string, id: string): Promise<StoredEntity | undefined> {
  for await (const e of store.exportEntities({ blueprint, search: id })) if (e.identifier === id) return e;
  return undefined;
}

let dir: string;
let api: HookApi;
let store: CatalogStore;
let integration: Integration;
const appliers: Applier[] = [];
const others: CatalogStore[] = [];
let seq = 0;
/** Where the catalog is: a SQLite file, or a fresh PostgreSQL database. */
let backend: 'sqlite' | 'postgres' = 'sqlite';
let target: TestPostgres | undefined;
const pgSkip = postgresUnavailable();

const deliver = async (on: CatalogStore, action: string, item: Partial<HookItem>, kind = 'item') =>
  on.addDelivery('hooks', {
    deliveryId: `d-${++seq}`,
    kind,
    body: JSON.stringify({ headers: {}, body: { action, kind, item } }),
  });

const settled = async (on: CatalogStore) => {
  const all = await on.listDeliveries('hooks', { limit: 1000 });
  return all.length > 0 && all.every((e) => e.status !== 'pending');
};

async function setUp(clock?: VirtualClock) {
  dir = await mkdtemp(join(tmpdir(), 'inlet-apply-'));
  api = await startHookApi(20);
  await writeFile(join(dir, 'inlet.yaml'), HOOK_MANIFEST);
  integration = await openIntegration(dir, { set: [`baseUrl=${api.url}`] });
  const now = clock ? () => clock.now() : undefined;
  target =
    backend === 'postgres' ? await startPostgres() : { url: join(dir, 'catalog.db'), stop: async () => {} };
  store = await openCatalog(target.url, { now });
}

const second = async (clock?: VirtualClock) => {
  const other = await openCatalog((target as TestPostgres).url, {
    now: clock ? () => clock.now() : undefined,
  });
  others.push(other);
  return other;
};

beforeEach(() => {
  seq = 0;
});

afterEach(async () => {
  await Promise.all(appliers.splice(0).map((a) => a.stop()));
  await Promise.all(others.splice(0).map((s) => s.close()));
  await store?.close();
  await target?.stop();
  target = undefined;
  await integration?.close();
  await api?.close();
  await rm(dir, { recursive: true, force: true });
});

async function newerStays() {
  await setUp();
  const { applied, metrics } = countingMetrics();
  await deliver(store, 'updated', { id: 3, name: 'newer', updated_at: '2026-03-02T00:00:00Z' });
  await deliver(store, 'updated', { id: 3, name: 'older', updated_at: '2026-03-01T00:00:00Z' });
  appliers.push(startApplier({ integration: 'hooks', store, events, mapper: integration.mapper, metrics }));
  await until('both applied', () => settled(store));
  expect((await entity(store, 'item', '3'))?.title).toBe('newer');
  const byDelivery = Object.fromEntries(
    (await store.listDeliveries('hooks')).map((e) => [e.deliveryId, e.status]),
  );
  expect(byDelivery).toEqual({ 'd-1': 'applied', 'd-2': 'stale' });
  expect(applied).toEqual({ 'item:upserted': 1, 'item:stale': 1 });
  // A delete older than the applied state is stale too: the entity stays.
  await deliver(store, 'deleted', { id: 3, updated_at: '2026-02-01T00:00:00Z' });
  appliers[0]?.wake();
  await until('the delete settled', () => settled(store));
  expect((await entity(store, 'item', '3'))?.title).toBe('newer');
  expect(applied['item:stale']).toBe(2);
}

async function resyncKeepsWebhooks() {
  await setUp();
  expect((await integration.sync({ db: store })).status).toBe('succeeded');
  const gate = api.gate(2); // items 6..10: read, then held
  const resync = integration.sync({ db: store });
  await gate.reached;
  // The API changes after the resync read page 2; webhooks say so.
  const later = '2026-05-01T00:00:00Z';
  Object.assign(api.items.get(7) as HookItem, { name: 'hooked', updated_at: later });
  Object.assign(api.items.get(8) as HookItem, { deleted: true, updated_at: later });
  api.items.set(99, { id: 99, name: 'fresh', updated_at: later, unlisted: true });
  const applier = startApplier({ integration: 'hooks', store, events, mapper: integration.mapper });
  appliers.push(applier);
  await deliver(store, 'updated', api.items.get(7) as HookItem);
  await deliver(store, 'deleted', { id: 8, updated_at: later });
  await deliver(store, 'created', api.items.get(99) as HookItem);
  applier.wake();
  await until('three deliveries applied', () => settled(store));
  expect((await entity(store, 'item', '7'))?.title).toBe('hooked');
  expect(await entity(store, 'item', '8')).toBeUndefined();
  gate.release();
  const summary = await resync;
  expect(summary.status).toBe('succeeded');
  // The resync's page 2 held item 7 old and item 8 alive: neither wins over the webhooks.
  expect((await entity(store, 'item', '7'))?.title).toBe('hooked');
  expect(await entity(store, 'item', '8')).toBeUndefined();
  // Item 99 was not in the resync's read, but was written after it started: not stale.
  expect((await entity(store, 'item', '99'))?.title).toBe('fresh');
  expect((await entity(store, 'item', '6'))?.title).toBe('item 6');
  const statuses = (await store.listDeliveries('hooks')).map((e) => e.status);
  expect(statuses).toEqual(['applied', 'applied', 'applied']);
}

async function twoAppliersOnce() {
  await setUp();
  const other = await second();
  const calls = new Map<string, number>();
  const counting = {
    mapPage: async (kind: string, records: Record<string, unknown>[], bindings: object) => {
      const key = String(records[0]?.id);
      calls.set(key, (calls.get(key) ?? 0) + 1);
      return integration.mapper.mapPage(kind, records, bindings);
    },
  };
  const a = startApplier({ integration: 'hooks', store, events, mapper: counting, batch: 3 });
  const b = startApplier({ integration: 'hooks', store: other, events, mapper: counting, batch: 3 });
  appliers.push(a, b);
  for (let id = 1; id <= 60; id++) {
    await deliver(id % 2 ? store : other, 'updated', {
      id,
      name: `n${id}`,
      updated_at: '2026-02-01T00:00:00Z',
    });
    (id % 2 ? a : b).wake();
  }
  await until(
    'all applied',
    async () => (await store.listDeliveries('hooks', { limit: 100 })).length === 60 && settled(store),
  );
  expect(calls.size).toBe(60);
  expect([...calls.values()].every((n) => n === 1)).toBe(true);
  const statuses = new Set((await store.listDeliveries('hooks', { limit: 100 })).map((e) => e.status));
  expect([...statuses]).toEqual(['applied']);
}

const ORDERING: Array<[string, () => Promise<void>]> = [
  ['(a) a newer state delivered before an older one stays; the older is counted stale', newerStays],
  [
    '(b) deliveries applied while a resync runs survive it: an upsert, a DELETE, a new entity',
    resyncKeepsWebhooks,
  ],
  ['(d) two appliers on one catalog apply each entry exactly once', twoAppliersOnce],
];

describe.each([
  ['SQLite', 'sqlite', undefined],
  ['PostgreSQL', 'postgres', pgSkip],
] as const)('ordering and resyncs on %s (serve-and-webhooks)', (_name, kind, skip) => {
  beforeEach(() => {
    backend = kind;
  });
  afterEach(() => {
    backend = 'sqlite';
  });
  for (const [title, scenario] of ORDERING) it.skipIf(skip)(title, scenario);
});

describe('the inbox applier on a SQLite catalog: retries, claims, get', () => {
  it('(c) a failing entry is retried with backoff 1, 2, 4, 8 s on fake time, then dead with a redacted line', async () => {
    const clock = new VirtualClock();
    await setUp(clock);
    const tries: number[] = [];
    const secret = 'sk-live-very-secret-9876';
    const mapper = {
      mapPage: async () => {
        tries.push(clock.now());
        throw new Error(`upstream said no\n  for token ${secret}`);
      },
    };
    const { applied, inbox, metrics } = countingMetrics();
    await deliver(store, 'updated', { id: 1, name: 'x', updated_at: '2026-01-02T00:00:00Z' });
    appliers.push(
      startApplier({
        integration: 'hooks',
        store,
        events,
        mapper,
        clock,
        metrics,
        redact: (text) => text.replaceAll(secret, '***'),
      }),
    );
    await until('the entry is dead', () => settled(store));
    const [entry] = (await store.listDeliveries('hooks')) as [InboxEntry];
    expect(entry).toMatchObject({ status: 'dead', attempts: 5 });
    expect(entry.lastError).toBe('upstream said no for token ***');
    expect(tries).toHaveLength(5);
    const gaps = tries.slice(1).map((t, i) => t - (tries[i] as number));
    // Each retry falls due after its backoff and is claimed at the next poll (1 s).
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(1000 * 2 ** i);
      expect(gap).toBeLessThanOrEqual(1000 * 2 ** i + 1000);
    });
    expect(applied).toEqual({ 'item:failed': 5 });
    expect(inbox.at(-1)).toEqual({ pending: 0, dead: 1 });
    // Retried by hand, it is pending with 0 attempts and tried again.
    expect(await store.retryDeliveries('hooks', 'dead')).toBe(1);
    await until('tried again', () => tries.length > 5);
  });

  it('(c) a transient failure of the get is retried and then applied', async () => {
    const clock = new VirtualClock();
    await setUp(clock);
    const client = integration.connect();
    try {
      api.failGets = 2;
      await deliver(store, 'updated', { id: 4 }, 'ref');
      appliers.push(
        startApplier({
          integration: 'hooks',
          store,
          events,
          ...integrationApplyDeps(integration, client),
          clock,
        }),
      );
      await until('applied', () => settled(store));
      const [entry] = (await store.listDeliveries('hooks')) as [InboxEntry];
      expect(entry).toMatchObject({ status: 'applied', attempts: 3, lastError: null });
      expect((await entity(store, 'ref', '4'))?.title).toBe('item 4');
    } finally {
      await client.close();
    }
  });

  it('entries claimed by a killed applier are applied by the next one once the claim expires', async () => {
    const clock = new VirtualClock();
    await setUp(clock);
    for (let id = 1; id <= 5; id++)
      await deliver(store, 'updated', { id, name: `n${id}`, updated_at: '2026-02-01T00:00:00Z' });
    // What a killed applier leaves: its batch claimed, nothing settled, nobody to give the claim back.
    expect(await store.claimDeliveries('hooks', { limit: 5, claimMs: 30_000 })).toHaveLength(5);
    const restartedAt = clock.now();
    appliers.push(
      startApplier({
        integration: 'hooks',
        store: await second(clock),
        events,
        mapper: integration.mapper,
        clock,
      }),
    );
    await until('all applied', () => settled(store));
    expect(clock.now() - restartedAt).toBeGreaterThanOrEqual(29_000);
    expect((await store.listDeliveries('hooks')).every((e) => e.status === 'applied')).toBe(true);
  });

  it('stop() finishes the entry in hand and gives back the rest of its batch: a restart applies them at once', async () => {
    const clock = new VirtualClock();
    await setUp(clock);
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let first = true;
    const slow = {
      mapPage: async (kind: string, records: Record<string, unknown>[], bindings: object) => {
        if (first) {
          first = false;
          await held;
        }
        return integration.mapper.mapPage(kind, records, bindings);
      },
    };
    for (let id = 1; id <= 5; id++)
      await deliver(store, 'updated', { id, name: `n${id}`, updated_at: '2026-02-01T00:00:00Z' });
    const a = startApplier({
      integration: 'hooks',
      store,
      events,
      mapper: slow,
      clock,
      claimMs: 30_000,
      batch: 5,
    });
    await until('the first entry in hand', () => !first);
    const stopping = a.stop();
    release();
    await stopping;
    const after = await store.listDeliveries('hooks');
    expect(after.map((e) => [e.status, e.attempts])).toEqual([
      ...Array(4).fill(['pending', 0]),
      ['applied', 1],
    ]);
    // Given back, not left claimed: another applier gets them now, not when the claim expires.
    expect(await store.claimDeliveries('hooks', { limit: 5, claimMs: 1000 })).toHaveLength(4);
    clock.advance(1001);
    const restartedAt = clock.now();
    appliers.push(
      startApplier({
        integration: 'hooks',
        store: await second(clock),
        events,
        mapper: integration.mapper,
        clock,
      }),
    );
    await until('all applied', () => settled(store));
    const done = await store.listDeliveries('hooks');
    expect(done.map((e) => [e.status, e.attempts])).toEqual(Array(5).fill(['applied', 1]));
    // In the restarted applier's first pass (virtual time runs on while the test polls in real time).
    expect(done.slice(0, 4).map((e) => e.appliedAt)).toEqual(
      Array(4).fill(new Date(restartedAt).toISOString()),
    );
  });

  it('with the default batch, a stopped applier leaves no claim: a restart applies the rest at once', async () => {
    const clock = new VirtualClock();
    await setUp(clock);
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let first = true;
    const slow = {
      mapPage: async (kind: string, records: Record<string, unknown>[], bindings: object) => {
        if (first) {
          first = false;
          await held;
        }
        return integration.mapper.mapPage(kind, records, bindings);
      },
    };
    for (let id = 1; id <= 5; id++)
      await deliver(store, 'updated', { id, name: `n${id}`, updated_at: '2026-02-01T00:00:00Z' });
    const a = startApplier({ integration: 'hooks', store, events, mapper: slow, clock });
    await until('the first entry in hand', () => !first);
    const stopping = a.stop();
    release();
    await stopping;
    const restartedAt = clock.now();
    appliers.push(
      startApplier({
        integration: 'hooks',
        store: await second(clock),
        events,
        mapper: integration.mapper,
        clock,
      }),
    );
    await until('all applied', () => settled(store));
    const done = await store.listDeliveries('hooks');
    expect(done.map((e) => e.status)).toEqual(Array(5).fill('applied'));
    // Applied before a claim (60 s) could have expired; by the entries' own times, since virtual time
    // runs on (1 s per poll) while the test waits in real time.
    for (const e of done) expect(Date.parse(e.appliedAt ?? '') - restartedAt).toBeLessThan(60_000);
  });

  it('a reference whose get answers 404 deletes the entity (octopus: gone)', async () => {
    await setUp();
    const client = integration.connect();
    try {
      await deliver(store, 'updated', { id: 5 }, 'ref');
      const applier = startApplier({
        integration: 'hooks',
        store,
        events,
        ...integrationApplyDeps(integration, client),
      });
      appliers.push(applier);
      await until('upserted', () => settled(store));
      expect((await entity(store, 'ref', '5'))?.title).toBe('item 5');
      (api.items.get(5) as HookItem).deleted = true;
      await deliver(store, 'updated', { id: 5 }, 'ref');
      applier.wake();
      await until('deleted', () => settled(store));
      expect(await entity(store, 'ref', '5')).toBeUndefined();
      expect(api.requests.filter((r) => r === '/items/5')).toHaveLength(2);
    } finally {
      await client.close();
    }
  });
});
