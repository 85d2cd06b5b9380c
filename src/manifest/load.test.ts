import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isInletError } from '../errors/errors.js';
import { loadManifest, loadMappingFile } from './load.js';

const FULL = new URL('./fixtures/full/', import.meta.url).pathname;

async function writeManifest(text: string, extra: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'inlet-manifest-'));
  await writeFile(join(dir, 'inlet.yaml'), text);
  for (const [name, body] of Object.entries(extra)) await writeFile(join(dir, name), body);
  return dir;
}

async function failure(text: string, options = {}, extra: Record<string, string> = {}): Promise<string> {
  const dir = await writeManifest(text, extra);
  try {
    await loadManifest(join(dir, 'inlet.yaml'), options);
  } catch (error) {
    expect(isInletError(error, 'E_CONFIG')).toBe(true);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message.replace(dir, '<dir>');
  }
  throw new Error('expected the manifest to be rejected');
}

const HEAD = 'name: acme\nconnection: { baseUrl: "https://api.acme.test" }\n';
const ONE = `${HEAD}resources:\n  item:\n    request: { path: "/items" }\n`;

describe('loadManifest: a full manifest', () => {
  it('loads every paginate type, durations as ms, mapping.yml beside it', async () => {
    const loaded = await loadManifest(FULL, { env: { ACME_ORGS: 'a, b', ACME_TOKEN: 'tok-secret' } });
    const { manifest } = loaded;
    expect(loaded.file).toBe(join(FULL, 'inlet.yaml'));
    const types = Object.values(manifest.resources).map((resource) => resource.paginate?.type ?? 'none');
    expect(new Set(types)).toEqual(new Set(['none', 'link', 'nextUrl', 'cursor', 'offset', 'page']));
    expect(manifest.connection.timeout).toBe(30_000);
    expect(manifest.connection.retry?.backoff?.initial).toBe(500);
    expect(manifest.connection.retry?.maxWait).toBe(900_000);
    expect(Array.isArray(manifest.connection.rateLimit) && manifest.connection.rateLimit[0]?.per).toBe(
      3_600_000,
    );
    expect(Array.isArray(manifest.connection.rateLimit) && manifest.connection.rateLimit[1]).toMatchObject({
      strict: true,
      spread: true,
    });
    expect(manifest.mapping?.resources[0]?.kind).toBe('repository');
    expect(loaded.mappingFile).toBe(join(FULL, 'mapping.yml'));
    expect(loaded.mappingForeign).toBe(false);
    expect(loaded.settings.values).toEqual({
      token: 'tok-secret',
      baseUrl: 'https://api.acme.test',
      orgs: ['a', 'b'],
      state: 'open',
      pageSize: 50,
      verbose: false,
    });
    expect(loaded.settings.secrets).toEqual(['tok-secret']);
  });

  it('reads connection.deadline and mapping.timeout as milliseconds', async () => {
    const dir = await writeManifest(
      `${ONE.replace('" }', '", deadline: 2m }')}mapping:\n  timeout: 5s\n  resources: []\n`,
    );
    const { manifest } = await loadManifest(join(dir, 'inlet.yaml'));
    expect(manifest.connection.deadline).toBe(120_000);
    expect(manifest.mapping?.timeout).toBe(5000);
  });

  it('prefers the mapping in inlet.yaml over mapping.yml', async () => {
    const dir = await writeManifest(
      `${ONE}mapping:\n  resources:\n    - kind: item\n      port: { entity: { mappings: { identifier: .id, blueprint: '"b"' } } }\n`,
      { 'mapping.yml': 'resources: [{ kind: nope }]\n' },
    );
    const loaded = await loadManifest(dir);
    expect(loaded.manifest.mapping?.resources[0]?.kind).toBe('item');
    expect(loaded.mappingFile).toBe(join(dir, 'inlet.yaml'));
  });

  it('loadMappingFile parses a foreign file without validating it', async () => {
    const dir = await writeManifest(ONE, {
      'port-app-config.yml': 'enableMergeEntity: true\nresources:\n  - kind: x\n',
    });
    const file = await loadMappingFile(join(dir, 'port-app-config.yml'));
    expect(file.value).toEqual({ enableMergeEntity: true, resources: [{ kind: 'x' }] });
    expect(file.source.lineOf(['resources', 0, 'kind'])).toBe(3);
  });
});

describe('loadManifest: one-line errors with file, line and field path', () => {
  const cases: Array<[string, string, RegExp, object?]> = [
    ['invalid name', ONE.replace('acme', 'Acme_1'), /inlet\.yaml:1: name: must match \[a-z0-9-\]\+/],
    ['missing name', ONE.replace('name: acme\n', ''), /inlet\.yaml:1: name: is required/],
    ['missing resources', HEAD, /resources: is required/],
    ['unknown top-level key', `${ONE}extra: 1\n`, /inlet\.yaml:6: extra: unknown key "extra"/],
    [
      'unknown paginate type',
      `${ONE}    paginate: { type: links }\n`,
      /inlet\.yaml:6: resources\.item\.paginate\.type: unknown paginate type "links" \(expected none, link, nextUrl, cursor, offset, page\)/,
    ],
    [
      'unknown key in paginate',
      `${ONE}    paginate: { type: link, rell: next }\n`,
      /:6: resources\.item\.paginate\.rell: unknown key "rell"/,
    ],
    [
      'unknown key in request',
      ONE.replace('path: "/items"', 'path: "/items", verb: GET'),
      /:5: resources\.item\.request\.verb: unknown key/,
    ],
    [
      'unknown key in resource',
      `${ONE}    recrods: .\n`,
      /:6: resources\.item\.recrods: unknown key "recrods"/,
    ],
    [
      'unknown key in connection',
      ONE.replace('" }', '", timout: 5s }'),
      /:2: connection\.timout: unknown key/,
    ],
    [
      'wrong type: maxItems string',
      `${ONE}    maxItems: lots\n`,
      /:6: resources\.item\.maxItems: expected number, got string "lots"/,
    ],
    [
      'wrong type: request is a string',
      `${HEAD}resources:\n  item:\n    request: /items\n`,
      /:5: resources\.item\.request: expected object/,
    ],
    [
      'missing request path',
      `${HEAD}resources:\n  item:\n    request: { method: GET }\n`,
      /:5: resources\.item\.request\.path: is required/,
    ],
    [
      'bad method',
      ONE.replace('path: "/items"', 'path: "/items", method: FETCH'),
      /request\.method: "FETCH" is not one of GET/,
    ],
    [
      'bad duration',
      ONE.replace('" }', '", timeout: 30 secs }'),
      /:2: connection\.timeout: "30 secs" is not a duration/,
    ],
    [
      'timeout 0 (undici would wait forever)',
      ONE.replace('" }', '", timeout: 0 }'),
      /:2: connection\.timeout: must be more than 0/,
    ],
    ['timeout "0s"', ONE.replace('" }', '", timeout: 0s }'), /:2: connection\.timeout: must be more than 0/],
    [
      'timeout above 1h',
      ONE.replace('" }', '", timeout: 2h }'),
      /:2: connection\.timeout: must be at most 1h \(got 2h\)/,
    ],
    ['deadline 0', ONE.replace('" }', '", deadline: 0ms }'), /:2: connection\.deadline: must be more than 0/],
    [
      'maxWait above 30 days',
      ONE.replace('" }', '", retry: { maxWait: 31d } }'),
      /:2: connection\.retry\.maxWait: must be at most 30d/,
    ],
    [
      'backoff above 30 days',
      ONE.replace('" }', '", retry: { backoff: { max: 40d } } }'),
      /:2: connection\.retry\.backoff\.max: must be at most 30d/,
    ],
    [
      'rateLimit window above 30 days',
      ONE.replace('" }', '", rateLimit: { requests: 1, per: 100000000000 } }'),
      /:2: connection\.rateLimit\.per: must be at most 30d/,
    ],
    [
      'mapping.timeout 0',
      `${ONE}mapping:\n  timeout: 0\n  resources: []\n`,
      /:7: mapping\.timeout: must be more than 0/,
    ],
    [
      'negative concurrency',
      ONE.replace('" }', '", concurrency: -1 }'),
      /:2: connection\.concurrency: too small/,
    ],
    ['zero maxPages', `${ONE}    paginate: { type: link, maxPages: 0 }\n`, /paginate\.maxPages: too small/],
    [
      'offset missing limit',
      `${ONE}    paginate: { type: offset, param: startAt, limitParam: maxResults }\n`,
      /paginate\.limit: is required/,
    ],
    [
      'bearer auth missing token',
      ONE.replace('" }', '", auth: { type: bearer } }'),
      /:2: connection\.auth\.token: is required/,
    ],
    [
      'oauth2 missing tokenUrl',
      ONE.replace(
        '" }',
        '", auth: { type: oauth2, clientId: a, clientSecret: b, grant: client_credentials } }',
      ),
      /connection\.auth\.tokenUrl: is required/,
    ],
    [
      'unknown auth type',
      ONE.replace('" }', '", auth: { type: digest } }'),
      /connection\.auth\.type: unknown auth type "digest"/,
    ],
    [
      'apiKey bad in',
      ONE.replace('" }', '", auth: { type: apiKey, name: k, value: v, in: cookie } }'),
      /auth\.in: "cookie" is not one of header, query/,
    ],
    [
      'bad retry status',
      ONE.replace('" }', '", retry: { statuses: [999] } }'),
      /connection\.retry\.statuses\[0\]: too big/,
    ],
    [
      'bad setting type',
      ONE.replace(HEAD, `${HEAD}config: { x: { type: integer } }\n`),
      /:3: config\.x\.type: "integer" is not one of string/,
    ],
    [
      'strict rate limit without a rate',
      ONE.replace('" }', '", rateLimit: [{ requests: 10, per: 1s }, { strict: true }] }'),
      /connection\.rateLimit\[1\]\.strict: strict: true needs both requests and per/,
    ],
    [
      'unknown setting field',
      ONE.replace(HEAD, `${HEAD}config: { x: { type: string, secret: true } }\n`),
      /config\.x\.secret: unknown key/,
    ],
    [
      'unknown parent kind',
      `${ONE}    parent: repo\n`,
      /:6: resources\.item\.parent: unknown parent kind "repo" \(resources has: item\)/,
    ],
    [
      'parent cycle',
      `${HEAD}resources:\n  a: { parent: b, request: { path: /a } }\n  b: { parent: a, request: { path: /b } }\n`,
      /:4: resources\.a\.parent: parent cycle: a -> b -> a/,
    ],
    ['self parent', `${ONE}    parent: item\n`, /resources\.item\.parent: parent cycle: item -> item/],
    [
      'duplicate kinds',
      `${ONE}  item:\n    request: { path: /other }\n`,
      /:6: resources\.item: duplicate key "item"/,
    ],
    [
      'duplicate key deeper',
      `${ONE}    request: { path: /x }\n`,
      /:6: resources\.item\.request: duplicate key "request"/,
    ],
    [
      'mapping for unknown kind',
      `${ONE}mapping:\n  resources:\n    - kind: widget\n      port: { entity: { mappings: { identifier: .id, blueprint: '"b"' } } }\n`,
      /:8: mapping\.resources\[0\]\.kind: mapping for unknown kind "widget"/,
    ],
    [
      'unknown key in mapping',
      `${ONE}mapping:\n  resources:\n    - kind: item\n      port: { entity: { mappings: { identifier: .id, blueprint: '"b"', colour: .c } } }\n`,
      /:9: mapping\.resources\[0\]\.port\.entity\.mappings\.colour: unknown key/,
    ],
    [
      'deletionThreshold > 1',
      `${ONE}mapping: { deletionThreshold: 2, resources: [] }\n`,
      /mapping\.deletionThreshold: too big/,
    ],
    [
      'unknown placeholder root',
      ONE.replace('/items', '/items/{org}'),
      /:5: resources\.item\.request\.path: unknown placeholder \{org\}/,
    ],
    [
      'unknown config key',
      ONE.replace('/items', '/items/{config.team}'),
      /request\.path: placeholder \{config\.team\} names unknown setting "team"/,
    ],
    [
      'parent without parent',
      ONE.replace('/items', '/items/{parent.id}'),
      /request\.path: placeholder \{parent\.id\} needs `parent` on resource "item"/,
    ],
    [
      'parent in connection',
      ONE.replace('https://api.acme.test', '{parent.url}'),
      /:2: connection\.baseUrl: placeholder \{parent\.url\} is not available/,
    ],
    [
      'state without incremental',
      ONE.replace('/items', '/items?since={state.since}'),
      /placeholder \{state\.since\} needs `incremental`/,
    ],
    [
      'placeholder in auth when',
      ONE.replace('" }', '", auth: { type: bearer, token: "{config.tok}", when: "{config.tok}" } }'),
      /:2: connection\.auth\.token: placeholder \{config\.tok\} names unknown setting/,
    ],
    [
      'webhook.url outside webhooks',
      `${ONE}    query: { cb: "{webhook.url}" }\n`.replace(
        '    request: { path: "/items" }\n    query',
        '    request:\n      path: /items\n      query',
      ),
      /resources\.item\.request\.query\.cb: placeholder \{webhook\.url\} is only available in webhooks/,
    ],
    ['yaml syntax error', `${ONE}  bad: [unclosed\n`, /inlet\.yaml:\d+: YAML: /],
    ['more issues counted', `${ONE}extra: 1\nmore: 2\n`, /unknown key "extra" \(and 1 more\)$/],
  ];

  it.each(cases)('%s', async (_label, text, expected, options) => {
    const message = await failure(text, options);
    expect(message).toMatch(/^<dir>\/inlet\.yaml:\d+: |^inlet\.yaml/);
    expect(message).toMatch(expected);
  });

  it('settings errors surface from loadManifest', async () => {
    const text = ONE.replace(
      HEAD,
      `${HEAD}config: { orgs: { type: list, env: ACME_ORGS, required: true } }\n`,
    );
    expect(await failure(text)).toBe(
      'setting "orgs" is required: pass --set orgs=…, put it in --config, or set ACME_ORGS',
    );
  });

  it('a bad mapping.yml names its own file and line', async () => {
    const message = await failure(ONE, {}, { 'mapping.yml': 'resources:\n  - kind: nope\n    port: {}\n' });
    expect(message).toMatch(/mapping\.yml:3: resources\[0\]\.port\.entity: is required/);
  });

  it('a missing folder is a ConfigError', async () => {
    await expect(loadManifest('/nonexistent/inlet-folder')).rejects.toThrow(/no such integration folder/);
  });
});
