import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { StoredEntity } from '../../src/catalog/index.js';
import { loadManifest } from '../../src/manifest/load.js';
import { checkConnection } from '../../src/sync/check-connection.js';
import { openIntegration } from '../../src/sync/open-integration.js';
import { startBuiltInSimulator, syncToTempCatalog, tempCatalog } from '../../src/testing/harness.js';
import { rapidpro } from './index.js';
import type { Workspace } from './simulator/data.js';
import { startRapidproSimulator, VIEWER_TOKEN } from './simulator/start.js';

const DIR = fileURLToPath(new URL('.', import.meta.url));

type ById = Record<string, { title: string; relations: Record<string, unknown> }>;
type Expected = { rapidproContact: ById; rapidproFlow: ById; rapidproGroup: ById };

/** What the default mapping must make of the workspace, from the generated data and the API's documented filters. */
function expected(ws: Workspace, window: { after?: string; before?: string } = {}): Expected {
  const inWindow = (modified: string) =>
    (!window.after || modified >= window.after) && (!window.before || modified <= window.before);
  const out: Expected = { rapidproContact: {}, rapidproFlow: {}, rapidproGroup: {} };
  for (const f of ws.flows.filter((f) => f.is_active && inWindow(f.modified_on))) {
    out.rapidproFlow[f.uuid] = { title: f.name, relations: {} };
  }
  for (const g of ws.groups.filter((g) => g.status !== 'initializing')) {
    out.rapidproGroup[g.uuid] = { title: g.name, relations: {} };
  }
  for (const c of ws.contacts.filter((c) => c.is_active && inWindow(c.modified_on))) {
    out.rapidproContact[c.uuid] = {
      title: c.name ?? c.uuid,
      relations: { groups: c.groups.map((g) => g.uuid) },
    };
  }
  return out;
}

function actual(list: StoredEntity[]): Expected {
  const out: Expected = { rapidproContact: {}, rapidproFlow: {}, rapidproGroup: {} };
  for (const e of list) {
    const blueprint = (out as Record<string, ById | undefined>)[e.blueprint];
    if (!blueprint) throw new Error(`unexpected blueprint ${e.blueprint}`);
    blueprint[e.identifier] = { title: e.title ?? '', relations: e.relations };
  }
  return out;
}

/** Enough modified_on dates for an after/before window with contacts on both sides of it. */
const WINDOWED = { flows: 30, groups: 4, contacts: 80, pageSize: 10 };

describe('rapidpro integration', () => {
  it('is registered as a built-in with its simulator', () => {
    expect(rapidpro).toMatchObject({ name: 'rapidpro', title: 'RapidPro' });
  });

  it('loads with the simulator settings and compiles the default mapping', async () => {
    await using sim = await startBuiltInSimulator('rapidpro', { size: { flows: 3, groups: 2, contacts: 3 } });
    const { loaded } = await openIntegration(DIR, { set: sim.settings });
    expect(Object.keys(loaded.manifest.resources)).toEqual(['flow', 'group', 'contact']);
    expect(loaded.mappingFile).toMatch(/mapping\.yml$/);
    expect(loaded.manifest.mapping?.resources.map((r) => r.kind)).toEqual(['flow', 'group', 'contact']);
  });

  it('syncs every flow, group and contact through 20% faults (RapidPro 429s among them)', async () => {
    await using sim = await startBuiltInSimulator(startRapidproSimulator, {
      seed: 7,
      size: { flows: 40, groups: 9, contacts: 130, pageSize: 25 },
      faults: { rate: 0.2, seed: 3, kinds: ['429', '500', '502', '503', 'reset'], retryAfterSeconds: 1 },
    });
    const { summary, entities } = await syncToTempCatalog(DIR, { set: sim.settings });
    expect(summary.status).toBe('succeeded');
    expect(actual(entities)).toEqual(expected(sim.workspace));
    // Faults were injected and ridden out, and every contact page was followed through `next`.
    expect(summary.totals.retries).toBeGreaterThan(0);
    expect(sim.throttled()).toBeGreaterThan(0);
    expect(
      sim.hits.filter((h) => h.startsWith('/api/v2/contacts.json?cursor=')).length,
    ).toBeGreaterThanOrEqual(5);
    const contact = entities.find((e) => e.blueprint === 'rapidproContact');
    const upstream = sim.workspace.contacts.find((c) => c.uuid === contact?.identifier);
    expect(contact?.properties).toMatchObject({ status: upstream?.status, urns: upstream?.urns });
  }, 20_000);

  it('reads only flows and contacts modified inside the after/before window', async () => {
    await using sim = await startBuiltInSimulator(startRapidproSimulator, { seed: 2, size: WINDOWED });
    const sorted = sim.workspace.contacts.map((c) => c.modified_on).sort();
    const window = { after: sorted[20] ?? '', before: sorted[60] ?? '' };
    const { summary, entities } = await syncToTempCatalog(DIR, {
      set: [...sim.settings, `after=${window.after}`, `before=${window.before}`],
    });
    expect(summary.status).toBe('succeeded');
    const want = expected(sim.workspace, window);
    expect(Object.keys(want.rapidproContact).length).toBeGreaterThan(0);
    expect(actual(entities)).toEqual(want);
    expect(sim.hits.find((h) => h.startsWith('/api/v2/groups.json'))).toBe('/api/v2/groups.json');
  });

  it('a windowed sync after a full one deletes nothing outside the window, and says why', async () => {
    await using sim = await startBuiltInSimulator(startRapidproSimulator, { seed: 2, size: WINDOWED });
    await using catalog = await tempCatalog();
    await catalog.sync(DIR, { set: sim.settings });
    const full = actual(await catalog.entities());
    const sorted = sim.workspace.contacts.map((c) => c.modified_on).sort();
    const summary = await catalog.sync(DIR, {
      set: [...sim.settings, `after=${sorted[20]}`, `before=${sorted[60]}`],
    });
    expect(summary.status).toBe('succeeded');
    expect(summary.totals.deleted).toBe(0);
    expect(
      summary.notes.some((n) => n.startsWith('rapidproContact: stale entities kept') && n.includes('subset')),
    ).toBe(true);
    expect(actual(await catalog.entities())).toEqual(full);
  });

  it('with a wrong token: check says bad credentials; sync fails with E_AUTH and stores nothing', async () => {
    await using sim = await startBuiltInSimulator('rapidpro', { size: { flows: 3, groups: 2, contacts: 3 } });
    const set = [`baseUrl=${sim.url}`, 'token=0000000000000000000000000000000000000000'];
    const check = await checkConnection(await loadManifest(DIR, { set }));
    expect(check).toMatchObject({ verdict: 'bad credentials', status: 403, code: 'E_AUTH' });
    expect(check.detail).toContain('Invalid token');

    const { summary, entities } = await syncToTempCatalog(DIR, { set });
    expect(summary.status).toBe('failed');
    expect(summary.kinds.every((k) => k.status === 'failed' && k.error?.includes('E_AUTH'))).toBe(true);
    expect(entities).toEqual([]);
  });

  it('check: ok with the simulator token, forbidden for a list endpoint without permission', async () => {
    await using sim = await startBuiltInSimulator('rapidpro', { size: { flows: 1, groups: 1, contacts: 1 } });
    expect(await checkConnection(await loadManifest(DIR, { set: sim.settings }))).toMatchObject({
      verdict: 'ok',
      status: 200,
    });
    const { summary } = await syncToTempCatalog(DIR, {
      set: [`baseUrl=${sim.url}`, `token=${VIEWER_TOKEN}`],
    });
    expect(summary.status).toBe('failed');
    expect(summary.kinds.map((k) => k.error ?? '').every((e) => e.includes('E_FORBIDDEN'))).toBe(true);
  });
});
