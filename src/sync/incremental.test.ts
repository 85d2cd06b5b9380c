import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CatalogStore, openCatalog } from '../catalog/index.js';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { incrementalStateKey } from './engine.js';
import { syncIntegration } from './sync-integration.js';

const MANIFEST = `
name: incremental
config:
  baseUrl: { type: url, required: true }
  per: { type: number, default: 10 }
connection:
  baseUrl: "{config.baseUrl}"
  retry: { attempts: 1 }
resources:
  item:
    for: { shard: [a, b] }
    request: { path: /api/link/items, query: { per_page: "{config.per}", shard: "{shard}" } }
    paginate: { type: link }
    incremental: { cursor: .updated_at, param: since, initial: "2020-01-01T00:00:00Z" }
mapping:
  resources:
    - kind: item
      port:
        entity:
          mappings: { identifier: '($shard) + "-" + (.id | tostring)', blueprint: '"item"' }
`;

let dir: string;
let server: TestServer | undefined;
let store: CatalogStore | undefined;

afterEach(async () => {
  await store?.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function setup(items: number) {
  dir = await mkdtemp(join(tmpdir(), 'inlet-inc-'));
  await writeFile(join(dir, 'inlet.yaml'), MANIFEST);
  server = await startTestServer({ items });
  store = await openCatalog(join(dir, 'catalog.db'));
  return { server, store };
}

const sinceOf = (url: string) => new URL(url, 'http://x').searchParams.get('since');
/** First pages only: the link pages after them carry `page=N`. */
const firstPages = (s: TestServer) =>
  s.requests.filter((r) => !/[?&]page=/.test(r.url)).map((r) => sinceOf(r.url));

describe('incremental reads (§5)', () => {
  it('sends the initial cursor, then per chain the greatest cursor of the last complete run', async () => {
    const { server, store } = await setup(25);
    const set = [`baseUrl=${server.url}`];
    const first = await syncIntegration(dir, { set, db: store });
    expect(first.status).toBe('succeeded');
    expect(firstPages(server)).toEqual(['2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z']);

    const greatest = server.items
      .map((i) => i.updated_at)
      .sort()
      .at(-1);
    const stored = (await store.getState('incremental', incrementalStateKey('item'))) as Record<
      string,
      string
    >;
    expect(Object.values(stored)).toEqual([greatest, greatest]);
    expect(Object.keys(stored).some((k) => k.includes('"shard":"a"'))).toBe(true);

    server.reset();
    const second = await syncIntegration(dir, { set, db: store });
    // An incremental read is not the whole kind: nothing may be deleted on its strength.
    expect(second.notes).toEqual([
      'item: stale entities kept (kind item was read incrementally (run with --full to reconcile))',
    ]);
    expect(firstPages(server)).toEqual([greatest, greatest]);

    server.reset();
    await syncIntegration(dir, { set, db: store, full: true });
    expect(firstPages(server)).toEqual(['2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z']);
  });

  it('does not advance the stored cursor when the kind fails', async () => {
    const { server, store } = await setup(25);
    // A base URL path the server does not serve: the kind fails on its first request.
    const failed = await syncIntegration(dir, { set: [`baseUrl=${server.url}/nowhere`], db: store });
    expect(failed.status).toBe('failed');
    expect(await store.getState('incremental', incrementalStateKey('item'))).toBeUndefined();
  });
});
