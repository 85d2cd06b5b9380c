import { describe, expect, it } from 'vitest';
import type { Entity } from '../catalog/index.js';
import type { KindSummary, Mapper } from './engine.js';
import { type PageTally, storePages } from './kind-pages.js';
import type { KindPlan } from './plan.js';

type Json = Record<string, unknown>;

// One entity per record, none for a record marked `skip` (a mapping whose selector drops it).
const mapper = {
  mapPage: async (_kind: string, records: Json[]) => ({
    entities: records
      .filter((r) => !r.skip)
      .map(
        (r): Entity => ({
          blueprint: 'pr',
          identifier: String(r.id),
          title: null,
          properties: {},
          relations: {},
        }),
      ),
    skipped: records.filter((r) => r.skip).length,
  }),
} as unknown as Mapper;

function setup() {
  const calls: Entity[][] = [];
  const target = {
    integration: 'gh',
    runId: 1,
    mapper,
    signal: new AbortController().signal,
    store: {
      upsertBatch: async (_i: string, _r: number, entities: Entity[]) => {
        calls.push(entities);
        return { upserted: entities.length, unchanged: 0 };
      },
    },
  };
  const summary = { kind: 'pr', records: 0, upserted: 0, unchanged: 0, skipped: 0 } as unknown as KindSummary;
  const tally: PageTally = { summary, blueprints: new Set(), cursors: {} };
  return { calls, target, tally, summary };
}

const kp = { kind: 'pr' } as KindPlan;
const page = (records: Json[]) => ({ records, vars: {}, chain: 'c' });

describe('storePages', () => {
  it('writes nothing for pages without entities (a repository without pull requests): no transaction', async () => {
    const { calls, target, tally, summary } = setup();
    await storePages(target, kp, [page([]), page([])], tally);
    await storePages(target, kp, [page([{ id: 1, skip: true }])], tally);
    expect(calls).toEqual([]);
    expect(summary).toMatchObject({ records: 1, skipped: 1, upserted: 0 });
  });

  it('writes the entities of all the pages given in one call', async () => {
    const { calls, target, tally, summary } = setup();
    await storePages(
      target,
      kp,
      [page([{ id: 1 }]), page([]), page([{ id: 2 }, { id: 3, skip: true }])],
      tally,
    );
    expect(calls.map((c) => c.map((e) => e.identifier))).toEqual([['1', '2']]);
    expect(summary).toMatchObject({ records: 3, skipped: 1, upserted: 2 });
    expect([...tally.blueprints]).toEqual(['pr']);
  });
});
