import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CatalogStore, type InboxEntry, openCatalog } from '../catalog/index.js';
import type { Logger } from '../http/log.js';
import type { Mapper } from '../sync/engine.js';
import { startApplier } from './apply.js';
import type { Applier, EventMatcher } from './types.js';

/** A mapper without jq: identifier `.id`, blueprint "thing"; no id → no entity. */
const mapper: Pick<Mapper, 'mapPage'> = {
  mapPage: async (_kind, records) => ({
    entities: records
      .filter((r) => r.id !== undefined)
      .map((r) => ({
        blueprint: 'thing',
        identifier: String(r.id),
        title: null,
        properties: r,
        relations: {},
      })),
    skipped: records.filter((r) => r.id === undefined).length,
  }),
};

const events: EventMatcher = {
  match: async (d) => {
    const body = d.body as { kind?: string; record?: unknown } | null;
    return body?.kind ? { index: 0, kind: body.kind, record: body.record, delete: false } : undefined;
  },
};

let dir: string;
let store: CatalogStore;
let applier: Applier | undefined;
let n = 0;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inlet-applier-'));
  store = await openCatalog(join(dir, 'c.db'));
});
afterEach(async () => {
  await applier?.stop();
  applier = undefined;
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const add = (body: string) => store.addDelivery('t', { deliveryId: `d${++n}`, kind: 'thing', body });
const wrap = (body: unknown) => JSON.stringify({ headers: {}, body });

async function untilSettled(count: number) {
  const end = Date.now() + 20_000;
  for (;;) {
    const all = await store.listDeliveries('t', { limit: 100 });
    if (all.length >= count && all.every((e) => e.status !== 'pending' || e.attempts > 0)) return all;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('startApplier: what counts as a failure of an entry', () => {
  it.each([
    ['a body that is not JSON', 'not json', /the stored body is not JSON/],
    ['a body that is not {headers, body}', '[1]', /is not \{headers, body\}/],
    ['a delivery no events entry matches any more', wrap({ other: 1 }), /no webhooks\.events entry matches/],
    ['a record that is not an object', wrap({ kind: 'thing', record: 'x' }), /^E_MAPPING thing: .*is string/],
    ['a record that maps to no entity', wrap({ kind: 'thing', record: { name: 'x' } }), /gives no entity/],
  ])('%s is retried with its error stored', async (_name, body, error) => {
    await add(body);
    applier = startApplier({ integration: 't', store, events, mapper, pollMs: 60_000 });
    const [entry] = (await untilSettled(1)) as [InboxEntry];
    expect(entry).toMatchObject({ status: 'pending', attempts: 1 });
    expect(entry.lastError).toMatch(error);
    expect(entry.nextAttemptAt).not.toBeNull();
  });

  it('wake() applies a new delivery at once, without waiting for the poll', async () => {
    applier = startApplier({ integration: 't', store, events, mapper, pollMs: 3_600_000 });
    await new Promise((r) => setTimeout(r, 50)); // the first (empty) pass is done; it sleeps an hour
    await add(wrap({ kind: 'thing', record: { id: 1 } }));
    applier.wake();
    const [entry] = await untilSettled(1);
    expect(entry?.status).toBe('applied');
  });

  it('a catalog failure is logged and the loop goes on; stop() resolves while it sleeps', async () => {
    const lines: string[] = [];
    const logger = {
      error: (m: string) => lines.push(m),
      warn() {},
      debug() {},
      info() {},
    } as unknown as Logger;
    let fail = 1;
    const flaky: CatalogStore = Object.create(store, {
      claimDeliveries: {
        value: (...args: Parameters<CatalogStore['claimDeliveries']>) => {
          if (fail-- > 0) return Promise.reject(new Error('database is locked'));
          return store.claimDeliveries(...args);
        },
      },
    });
    await add(wrap({ kind: 'thing', record: { id: 2 } }));
    applier = startApplier({ integration: 't', store: flaky, events, mapper, pollMs: 10, logger });
    const [entry] = await untilSettled(1);
    expect(entry?.status).toBe('applied');
    expect(lines).toEqual(['webhook inbox: database is locked']);
  });
});

describe('startApplier: stop()', () => {
  // The loop yields to I/O after each look at the inbox; a stop() in that yield used to find no nap
  // to end, and the loop then slept its whole poll (an hour here) before it saw it.
  it('resolves when it comes while the loop yields after an empty look', async () => {
    let stopped: Promise<void> | undefined;
    const claims: CatalogStore = Object.create(store, {
      claimDeliveries: {
        value: async () => {
          // Runs before the loop's own yield: stop() lands between its checks and its nap.
          setImmediate(() => {
            stopped ??= applier!.stop();
          });
          return [];
        },
      },
    });
    applier = startApplier({ integration: 't', store: claims, events, mapper, pollMs: 3_600_000 });
    while (!stopped) await new Promise((r) => setTimeout(r, 1));
    const outcome = await Promise.race([
      stopped.then(() => 'stopped'),
      new Promise((r) => setTimeout(() => r('still running after 5 s'), 5_000).unref()),
    ]);
    // Not stopped again by afterEach: a hung stop() would hold it for its whole timeout.
    applier = undefined;
    expect(outcome).toBe('stopped');
  });
});

describe('startApplier during a burst of deliveries', () => {
  it('gives way while wake() keeps coming (small claims, still progressing) and drains the rest after', async () => {
    const limits: number[] = [];
    const recording: CatalogStore = Object.create(store, {
      claimDeliveries: {
        value: (...args: Parameters<CatalogStore['claimDeliveries']>) => {
          limits.push(args[1].limit);
          return store.claimDeliveries(...args);
        },
      },
    });
    const applied = async () => (await store.listDeliveries('t', { status: 'applied', limit: 1000 })).length;
    applier = startApplier({ integration: 't', store: recording, events, mapper, pollMs: 3_600_000 });
    await new Promise((r) => setTimeout(r, 50)); // the first (empty) pass is done; it sleeps an hour
    for (let i = 0; i < 200; i++) await add(wrap({ kind: 'thing', record: { id: i } }));
    limits.length = 0;
    // A burst: a delivery "stored" every millisecond, until the applier has applied some entries anyway.
    let during = 0;
    const end = Date.now() + 20_000;
    while (during === 0 && Date.now() < end) {
      applier.wake();
      await new Promise((r) => setTimeout(r, 1));
      during = await applied();
    }
    expect(during).toBeGreaterThan(0);
    expect(during).toBeLessThan(200);
    // While busy it claimed at most 8 at a time, not its batch of 32.
    expect(limits.length).toBeGreaterThan(0);
    expect(Math.max(...limits)).toBeLessThanOrEqual(8);
    // The burst is over: the backlog is applied without a further wake(), in full batches again.
    const drained = Date.now() + 20_000;
    while ((await applied()) < 200 && Date.now() < drained) await new Promise((r) => setTimeout(r, 5));
    expect(await store.inboxCounts('t')).toEqual({ pending: 0, dead: 0 });
    expect(await applied()).toBe(200);
    expect(limits).toContain(32);
  });
});
