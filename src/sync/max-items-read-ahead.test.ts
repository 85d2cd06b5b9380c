import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CatalogStore, openCatalog } from '../catalog/index.js';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { syncIntegration } from './sync-integration.js';

const MANIFEST = `
name: capped
config:
  baseUrl: { type: url, required: true }
connection:
  baseUrl: "{config.baseUrl}"
  retry: { attempts: 1 }
resources:
  item:
    request: { path: /api/link/items, query: { per_page: "1" } }
    paginate: { type: link }
    maxItems: 2
mapping:
  resources:
    - kind: item
      port:
        entity:
          mappings: { identifier: '.id | tostring', blueprint: '"item"' }
`;

let dir: string;
let server: TestServer | undefined;
let store: CatalogStore | undefined;

afterEach(async () => {
  await store?.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('maxItems with read-ahead', () => {
  it('sends no request past the page that shows the cap is reached', async () => {
    dir = await mkdtemp(join(tmpdir(), 'inlet-cap-'));
    await writeFile(join(dir, 'inlet.yaml'), MANIFEST);
    server = await startTestServer({ items: 30 });
    store = await openCatalog(join(dir, 'catalog.db'));
    const summary = await syncIntegration(dir, { set: [`baseUrl=${server.url}`], db: store });
    const kind = summary.kinds.find((k) => k.kind === 'item');
    expect(kind?.records).toBe(2);
    // Pages 1 and 2 fill the cap, page 3 shows records beyond it; nothing after that is read.
    expect(server.requests.length).toBeLessThanOrEqual(3);
    expect(kind?.requests).toBeLessThanOrEqual(3);
  });
});
