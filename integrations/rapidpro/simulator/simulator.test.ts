import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';
import { microseconds } from './app.js';
import { SIMULATOR_TOKEN, startRapidproSimulator, VIEWER_TOKEN } from './start.js';

type Page = { next: string | null; previous: string | null; results: Record<string, unknown>[] };

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function start(options: Parameters<typeof startRapidproSimulator>[0] = {}) {
  const sim = await startRapidproSimulator(options);
  close = sim.close;
  const get = (path: string, token: string | null = SIMULATOR_TOKEN) =>
    fetch(path.startsWith('http') ? path : `${sim.url}${path}`, {
      headers: token === null ? {} : { authorization: `Token ${token}` },
    });
  return { sim, get };
}

describe('RapidPro simulator', () => {
  it('pages contacts newest-modified first through absolute next/previous cursor URLs, no record twice', async () => {
    const { sim, get } = await start({ size: { contacts: 23, pageSize: 10 } });
    const seen: string[] = [];
    const pages: Page[] = [];
    let url: string | null = '/api/v2/contacts.json?group=';
    while (url) {
      const res = await get(url);
      expect(res.status).toBe(200);
      const page = (await res.json()) as Page;
      pages.push(page);
      seen.push(...page.results.map((c) => String(c.uuid)));
      url = page.next;
    }
    const active = sim.workspace.contacts.filter((c) => c.is_active);
    expect(active.length).toBeGreaterThan(20);
    expect(pages.map((p) => p.results.length)).toEqual([10, 10, active.length - 20]);
    expect(pages[0]?.previous).toBeNull();
    expect(pages[1]?.next).toMatch(new RegExp(`^${sim.url}/api/v2/contacts\\.json\\?group=&cursor=`));
    const newest = [...active].sort((a, b) => (a.modified_on < b.modified_on ? 1 : -1)).map((c) => c.uuid);
    expect(seen).toEqual(newest);

    // `previous` of the last page leads back to the second page.
    const back = (await (await get(pages[2]?.previous ?? '')).json()) as Page;
    expect(back.results).toEqual(pages[1]?.results);
  });

  it('serves the documented shapes; hides deleted flows and initializing groups', async () => {
    const { sim, get } = await start({ size: { flows: 12, groups: 5, contacts: 5 } });
    const flows = (await (await get('/api/v2/flows.json')).json()) as Page;
    expect(Object.keys(flows.results[0] ?? {}).sort()).toEqual(
      [
        'archived',
        'created_on',
        'expires',
        'labels',
        'modified_on',
        'name',
        'parent_refs',
        'results',
        'runs',
        'type',
        'uuid',
      ].sort(),
    );
    expect(flows.results).toHaveLength(sim.workspace.flows.filter((f) => f.is_active).length);
    expect(flows.results[0]?.modified_on).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    const groups = (await (await get('/api/v2/groups.json')).json()) as Page;
    expect(groups.results.map((g) => g.name)).toContain('Active');
    expect(groups.results).toHaveLength(
      sim.workspace.groups.filter((g) => g.status !== 'initializing').length,
    );
    expect(Object.keys(groups.results[0] ?? {}).sort()).toEqual([
      'count',
      'name',
      'query',
      'status',
      'system',
      'uuid',
    ]);
    const contacts = (await (await get('/api/v2/contacts.json')).json()) as Page;
    expect(Object.keys(contacts.results[0] ?? {}).sort()).toEqual(
      [
        'created_on',
        'fields',
        'flow',
        'groups',
        'language',
        'last_seen_on',
        'modified_on',
        'name',
        'status',
        'urns',
        'uuid',
      ].sort(),
    );
  });

  it('filters by uuid, and by modified_on with inclusive after/before; rejects a bad uuid or cursor', async () => {
    const { sim, get } = await start({ size: { flows: 20 } });
    const flow = sim.workspace.flows.find((f) => f.is_active);
    const one = (await (await get(`/api/v2/flows.json?uuid=${flow?.uuid}`)).json()) as Page;
    expect(one.results.map((f) => f.uuid)).toEqual([flow?.uuid]);
    const at = flow?.modified_on ?? '';
    const window = (await (await get(`/api/v2/flows.json?after=${at}&before=${at}`)).json()) as Page;
    expect(window.results.map((f) => f.uuid)).toEqual([flow?.uuid]);
    expect((await (await get('/api/v2/flows.json?after=not-a-date')).json()) as Page).toMatchObject({
      results: [],
      next: null,
    });
    const bad = await get('/api/v2/flows.json?uuid=nope');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ detail: 'Value for uuid must be a valid UUID' });
    const cursor = await get('/api/v2/flows.json?cursor=%%%');
    expect([cursor.status, await cursor.json()]).toEqual([404, { detail: 'Invalid cursor' }]);
  });

  it('answers bad, missing and under-privileged tokens the way DRF does', async () => {
    const { get } = await start();
    const wrong = await get('/api/v2/flows.json', 'wrong');
    expect([wrong.status, await wrong.json()]).toEqual([403, { detail: 'Invalid token' }]);
    const missing = await get('/api/v2/flows.json', null);
    expect([missing.status, await missing.json()]).toEqual([
      403,
      { detail: 'Authentication credentials were not provided.' },
    ]);
    const viewer = await get('/api/v2/contacts.json', VIEWER_TOKEN);
    expect([viewer.status, await viewer.json()]).toEqual([
      403,
      { detail: 'You do not have permission to perform this action.' },
    ]);
    // The root lists the endpoints for any valid token, and anonymously.
    expect((await get('/api/v2.json', VIEWER_TOKEN)).status).toBe(200);
    expect((await get('/api/v2.json', null)).status).toBe(200);
    expect((await get('/api/v2.json', 'wrong')).status).toBe(403);
    expect((await get('/api/v2/nothing.json')).status).toBe(404);
  });

  it('throttles past the hourly budget with 429, Retry-After and the DRF message, then recovers', async () => {
    const clock = new VirtualClock();
    const { get } = await start({ clock, size: { requestsPerHour: 3 } });
    for (let i = 0; i < 3; i++) expect((await get('/api/v2/groups.json')).status).toBe(200);
    clock.advance(600_000);
    const res = await get('/api/v2/groups.json');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3000');
    expect(await res.json()).toEqual({
      detail: 'Request was throttled. Expected available in 3000 seconds.',
    });
    clock.advance(3_000_000);
    expect((await get('/api/v2/groups.json')).status).toBe(200);
  });

  it('injects faults with RapidPro-shaped 429s', async () => {
    const { get } = await start({ faults: { rate: 1, kinds: ['403-primary'], retryAfterSeconds: 2 } });
    const res = await get('/api/v2/flows.json');
    expect([res.status, res.headers.get('retry-after'), await res.json()]).toEqual([
      429,
      '2',
      { detail: 'Request was throttled. Expected available in 2 seconds.' },
    ]);
  });

  it('reads datetimes with microseconds', () => {
    expect(microseconds('2016-10-13T11:54:32.525277Z')).toBe(
      Date.UTC(2016, 9, 13, 11, 54, 32) * 1000 + 525277,
    );
    expect(microseconds('2016-10-13')).toBe(Date.UTC(2016, 9, 13) * 1000);
    expect(microseconds('yesterday')).toBeUndefined();
  });
});
