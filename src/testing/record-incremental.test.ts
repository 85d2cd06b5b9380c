import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCassettes } from './cassette.js';
import { recordIntegration } from './record-integration.js';
import { type ServedApp, serve } from './serve.js';
import { testIntegration } from './test-integration.js';

const MANIFEST = `name: changes
config:
  baseUrl: { type: url, required: true }
connection:
  baseUrl: "{config.baseUrl}"
resources:
  change:
    request: { path: /changes }
    incremental: { param: since, cursor: .seq }
mapping:
  deleteStaleEntities: true
  resources:
    - kind: change
      port:
        entity:
          mappings:
            identifier: .id
            title: .id
            blueprint: '"change"'
            properties:
              seq: .seq
`;

/** Changes after `since` (all without it); `backwards` makes the API answer older ones the second time. */
function changesApi(state: { backwards: boolean }) {
  const all = [1, 2, 3].map((seq) => ({ id: `c${seq}`, seq }));
  const app = new Hono();
  app.get('/changes', (c) => {
    const since = Number(c.req.query('since') ?? '0');
    if (state.backwards && since > 0) return c.json([{ id: 'c0', seq: 0 }]);
    return c.json(all.filter((x) => x.seq > since));
  });
  return app;
}

describe('an incremental kind: record syncs twice, incremental-forward checks the cursors', () => {
  let root: string;
  const state = { backwards: false };
  let api: ServedApp;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'inlet-incremental-'));
    api = await serve(changesApi(state));
    await mkdir(join(root, 'src'));
    await writeFile(join(root, 'src', 'inlet.yaml'), MANIFEST);
  });
  afterAll(async () => {
    await api.close();
    await rm(root, { recursive: true, force: true });
  });

  it('records the request carrying the stored cursor, and passes', async () => {
    const out = join(root, 'ok');
    await recordIntegration(join(root, 'src'), { outDir: out, set: [`baseUrl=${api.url}`] });
    const cassette = (await readCassettes(out)).get('change')!;
    expect(cassette.map((i) => i.request.query)).toEqual([{}, { since: '3' }]);
    const results = await testIntegration(out);
    expect(results.filter((r) => !r.passed)).toEqual([]);
    expect(results.find((r) => r.check === 'incremental-forward')?.reason).toBe(
      '1 incremental kinds, 1 with stored cursors; none moved back',
    );
  });

  it('fails incremental-forward when the API moves the cursor back', async () => {
    state.backwards = true;
    const out = join(root, 'back');
    await recordIntegration(join(root, 'src'), { outDir: out, set: [`baseUrl=${api.url}`] });
    state.backwards = false;
    const results = await testIntegration(out);
    const forward = results.find((r) => r.check === 'incremental-forward')!;
    expect(forward.passed).toBe(false);
    expect(forward.reason).toMatch(/^change .*: cursor moved back from 3 to 0$/);
    expect(await readFile(join(out, 'tests', 'settings.yaml'), 'utf8')).not.toContain(api.url);
  });
});
