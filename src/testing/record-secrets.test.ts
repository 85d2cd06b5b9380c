import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isInletError } from '../errors/errors.js';
import { readCassettes } from './cassette.js';
import { recordIntegration } from './record-integration.js';
import { type ServedApp, serve } from './serve.js';
import { testIntegration } from './test-integration.js';

const KEY = 'k3y/With+Specials=and~more';
const NUMERIC = '98765432109';

/** Every form a secret travels in, as an adversary would grep for it. */
const forms = (secret: string) => [
  secret,
  encodeURIComponent(secret),
  new URLSearchParams([['', secret]]).toString().slice(1),
  Buffer.from(secret).toString('base64'),
  Buffer.from(secret).toString('base64').replace(/=+$/, ''),
  Buffer.from(secret).toString('base64url'),
];

const MANIFEST = (auth: string) => `name: leaky
config:
  baseUrl: { type: url, required: true }
  key: { type: secret, required: true }
connection:
  baseUrl: "{config.baseUrl}"
  auth: ${auth}
  retry: { attempts: 2, backoff: { initial: 5ms, max: 10ms } }
resources:
  item:
    request: { path: /items, query: { per_page: 2 } }
    paginate: { type: link }
mapping:
  deleteStaleEntities: true
  resources:
    - kind: item
      port:
        entity:
          mappings:
            identifier: .id
            title: .name
            blueprint: '"item"'
            properties:
              echo: .echo
              self: .self
`;

/** An API that echoes the caller's key everywhere it can: bodies (raw, base64, URL-encoded, as a key), headers, next links. */
function leakyApi(echoNumber: boolean) {
  const app = new Hono();
  app.get('/items', (c) => {
    const key = c.req.query('api_key') ?? '';
    const page = Number(c.req.query('page') ?? '1');
    const origin = new URL(c.req.url).origin;
    if (page === 1) {
      c.header('link', `<${origin}/items?per_page=2&page=2&api_key=${encodeURIComponent(key)}>; rel="next"`);
    }
    c.header('ratelimit-policy', `100;w=60;key=${key}`);
    c.header('x-echo', key);
    const items = [1, 2].map((n) => ({
      id: `${page}-${n}`,
      name: `item ${page}-${n}`,
      echo: { raw: key, b64: Buffer.from(key).toString('base64'), url: encodeURIComponent(key), [key]: 1 },
      self: `${origin}/items/${page}-${n}?api_key=${encodeURIComponent(key)}`,
      ...(echoNumber ? { account: Number(key) } : {}),
    }));
    return c.json(items);
  });
  return app;
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  }
  return out;
}

describe('inlet record: secrets never reach a cassette (docs/testing.md)', () => {
  let api: ServedApp;
  let numeric: ServedApp;
  let root: string;
  beforeAll(async () => {
    api = await serve(leakyApi(false));
    numeric = await serve(leakyApi(true));
    root = await mkdtemp(join(tmpdir(), 'inlet-leak-'));
  });
  afterAll(async () => {
    await api.close();
    await numeric.close();
    await rm(root, { recursive: true, force: true });
  });

  it('masks a query credential in every encoding, in paths, queries, links, headers and bodies, and replays', async () => {
    const src = join(root, 'src');
    const out = join(root, 'out');
    await import('node:fs/promises').then((fs) => fs.mkdir(src, { recursive: true }));
    await writeFile(
      join(src, 'inlet.yaml'),
      MANIFEST(`{ type: apiKey, name: api_key, in: query, value: "{config.key}" }`),
    );
    await writeFile(join(src, 'README.md'), `Run it with --set key=${KEY}\n`);
    const result = await recordIntegration(src, { outDir: out, set: [`baseUrl=${api.url}`, `key=${KEY}`] });
    expect(result.kinds).toEqual({ item: 2 });
    for (const file of await filesUnder(out)) {
      const text = await readFile(file, 'utf8');
      for (const form of forms(KEY)) expect(text.includes(form), `${form} in ${file}`).toBe(false);
      expect(text).not.toContain(api.url);
    }
    const [first] = (await readCassettes(out)).get('item')!;
    expect(first!.request).toEqual({
      method: 'GET',
      path: '/items',
      query: { per_page: '2', api_key: '***' },
      body: null,
    });
    expect(first!.response.headers).toEqual({
      'content-type': 'application/json',
      link: '<{baseUrl}/items?per_page=2&page=2&api_key=***>; rel="next"',
      'ratelimit-policy': '100;w=60;key=***',
    });
    expect(await readFile(join(out, 'README.md'), 'utf8')).toBe('Run it with --set key=***\n');
    // The masked credential matches whatever placeholder the replay sends.
    const results = await testIntegration(out);
    expect(results.filter((r) => !r.passed)).toEqual([]);
    expect(results).toHaveLength(6);
  });

  it('refuses to write anything when a secret survives the scrubbing (a key echoed as a JSON number)', async () => {
    const src = join(root, 'numeric');
    const out = join(root, 'numeric-out');
    await import('node:fs/promises').then((fs) => fs.mkdir(src, { recursive: true }));
    await writeFile(
      join(src, 'inlet.yaml'),
      MANIFEST(`{ type: apiKey, name: api_key, in: query, value: "{config.key}" }`),
    );
    const error = await recordIntegration(src, {
      outDir: out,
      set: [`baseUrl=${numeric.url}`, `key=${NUMERIC}`],
    }).catch((e: unknown) => e);
    expect(isInletError(error, 'E_SECRET_LEAK')).toBe(true);
    expect((error as Error).message).toMatch(/refusing to write .*item\.json: a secret value still occurs/);
    expect((error as Error).message).not.toContain(NUMERIC);
    expect(existsSync(out)).toBe(false);
  });

  it('masks a bearer token sent in a header when the API echoes it in a body', async () => {
    const app = new Hono();
    app.get('/items', (c) =>
      c.json([{ id: '1', name: 'one', echo: c.req.header('authorization'), self: null }]),
    );
    const echo = await serve(app);
    try {
      const src = join(root, 'bearer');
      const out = join(root, 'bearer-out');
      await import('node:fs/promises').then((fs) => fs.mkdir(src, { recursive: true }));
      await writeFile(join(src, 'inlet.yaml'), MANIFEST(`{ type: bearer, token: "{config.key}" }`));
      await recordIntegration(src, { outDir: out, set: [`baseUrl=${echo.url}`, `key=${KEY}`] });
      const expected = await readFile(join(out, 'tests', 'expected.ndjson'), 'utf8');
      expect(expected).toContain('"echo":"***"');
      for (const file of await filesUnder(out)) {
        const text = await readFile(file, 'utf8');
        for (const form of forms(KEY)) expect(text.includes(form), `${form} in ${file}`).toBe(false);
      }
    } finally {
      await echo.close();
    }
  });
});
