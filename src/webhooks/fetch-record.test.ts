import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadManifest } from '../manifest/load.js';
import { connect } from '../sync/connect.js';
import { type ServedApp, serve } from '../testing/serve.js';
import { recordFetcher } from './fetch-record.js';

const KEY = 'API-octo-secret-key-4242';
let dir: string;
let api: ServedApp;
const seen: string[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inlet-get-'));
  seen.length = 0;
  const app = new Hono();
  app.get('/api/:space/deployments/:id', (c) => {
    seen.push(
      `${new URL(c.req.url).pathname}${new URL(c.req.url).search} key=${c.req.header('x-octopus-apikey')}`,
    );
    const id = c.req.param('id');
    if (id === 'gone') return c.json({ ErrorMessage: 'not found' }, 404);
    if (id === 'list') return c.json([1, 2]);
    return c.json({ Id: id, Space: c.req.param('space'), State: 'Success' });
  });
  api = await serve(app);
});

afterEach(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

const manifest = (get: string) => `name: octo-get
config:
  baseUrl: { type: url, required: true }
  apiKey: { type: secret, required: true }
  space: { type: string, default: Spaces-1 }
connection:
  baseUrl: "{config.baseUrl}"
  auth: { type: apiKey, in: header, name: X-Octopus-ApiKey, value: "{config.apiKey}" }
  retry: { attempts: 1 }
resources:
  deployment:
    request: { path: "/api/{config.space}/deployments" }
    records: .Items
${get}
`;

async function open(get: string) {
  await writeFile(join(dir, 'inlet.yaml'), manifest(get));
  return loadManifest(dir, { set: [`baseUrl=${api.url}`, `apiKey=${KEY}`] });
}

describe('resource get (webhooks carrying references)', () => {
  it('reads the full record with one GET through the connection, {record.x} and {config.x} rendered', async () => {
    const loaded = await open(
      '    get: { path: "/api/{config.space}/deployments/{record.Id}", query: { include: "{record.Kind}" } }',
    );
    const client = connect(loaded);
    try {
      const fetcher = recordFetcher(loaded.manifest.resources, client, loaded.settings.values);
      expect(fetcher.has('deployment')).toBe(true);
      expect(fetcher.has('release')).toBe(false);
      const record = await fetcher.fetch('deployment', { Id: 'Deployments-7', Kind: 'full' });
      expect(record).toEqual({ Id: 'Deployments-7', Space: 'Spaces-1', State: 'Success' });
      expect(seen).toEqual([`/api/Spaces-1/deployments/Deployments-7?include=full key=${KEY}`]);
    } finally {
      await client.close();
    }
  });

  it('answers null on 404 (the record is gone) and keeps reference values inside their path segment', async () => {
    const loaded = await open('    get: { path: "/api/Spaces-1/deployments/{record.Id}" }');
    const client = connect(loaded);
    try {
      const fetcher = recordFetcher(loaded.manifest.resources, client, loaded.settings.values);
      expect(await fetcher.fetch('deployment', { Id: 'gone' })).toBeNull();
      await fetcher.fetch('deployment', { Id: 'a?b=c#d' });
      expect(seen[1]).toBe(`/api/Spaces-1/deployments/a%3Fb%3Dc%23d key=${KEY}`);
      await expect(fetcher.fetch('deployment', { Id: '..' })).rejects.toThrow(/refused/);
    } finally {
      await client.close();
    }
  });

  it('refuses a get answer that is not a JSON object, naming the kind', async () => {
    const loaded = await open('    get: { path: "/api/Spaces-1/deployments/{record.Id}" }');
    const client = connect(loaded);
    try {
      const fetcher = recordFetcher(loaded.manifest.resources, client, loaded.settings.values);
      const error = await fetcher.fetch('deployment', { Id: 'list' }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'E_RESPONSE' });
      expect(String((error as Error).message)).toMatch(/get for kind deployment answered a list/);
    } finally {
      await client.close();
    }
  });

  it('is validated at load: unknown keys and placeholders other than record and config are refused', async () => {
    await expect(open('    get: { path: /x, method: POST }')).rejects.toThrow(/get/);
    await expect(open('    get: { path: "/x/{parent.id}" }')).rejects.toThrow(
      /resources\.deployment\.get\.path/,
    );
    await expect(open('    get: { path: "/x/{config.nope}" }')).rejects.toThrow(/unknown setting "nope"/);
  });
});
