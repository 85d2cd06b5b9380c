import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../cli/program.js';
import { loadManifest } from '../manifest/load.js';

type Json = Record<string, unknown>;

const list = (item: Json, extra: Json = {}) => ({
  get: {
    responses: {
      '200': {
        description: 'ok',
        content: { 'application/json': { schema: { type: 'array', items: item } } },
        ...extra,
      },
    },
  },
});
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const param = (
  name: string,
  where: 'path' | 'query',
  schema: Json = { type: 'string' },
  description = '',
) => ({
  name,
  in: where,
  required: where === 'path',
  schema,
  description,
});

function spec(paths: Json, components: Json = {}, extra: Json = {}) {
  return {
    openapi: '3.1.0',
    info: { title: 'Acme', version: '1' },
    servers: [{ url: 'https://api.acme.test/v2/' }],
    paths,
    components,
    ...extra,
  };
}

describe('inlet init --from-openapi', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'inlet-openapi-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function init(doc: unknown, file = 'spec.yaml') {
    const path = join(root, file);
    await writeFile(
      path,
      typeof doc === 'string' ? doc : file.endsWith('.json') ? JSON.stringify(doc) : stringify(doc),
    );
    const out: string[] = [];
    const err: string[] = [];
    const dir = join(root, 'acme');
    const code = await runCli(['node', 'inlet', 'init', 'acme', '--dir', dir, '--from-openapi', path], {
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
    });
    const read = async (name: string) => readFile(join(dir, name), 'utf8');
    return { code, out: out.join(''), err, dir, path, read };
  }

  it('turns a path parameter no list supplies into a list setting iterated with for, and a TODO', async () => {
    const member = { type: 'object', properties: { id: { type: 'integer' }, login: { type: 'string' } } };
    const result = await init(
      spec({ '/teams/{team_slug}/members': { parameters: [param('team_slug', 'path')], ...list(member) } }),
    );
    expect(result.code, result.err.join('')).toBe(0);
    const { manifest } = await loadManifest(result.dir, { set: ['team_slug=core,web'] });
    expect(manifest.config?.team_slug).toMatchObject({ type: 'list', required: true, env: 'ACME_TEAM_SLUG' });
    expect(manifest.resources.member).toMatchObject({
      for: { team_slug: '{config.team_slug}' },
      request: { path: '/teams/{team_slug}/members' },
    });
    expect(manifest.config?.baseUrl).toMatchObject({ default: 'https://api.acme.test/v2' });
    const text = await result.read('inlet.yaml');
    expect(text).toMatch(
      /# TODO\(inlet\): \{team_slug\} is supplied by no list operation[^\n]*\n\s+team_slug:/,
    );
    expect(result.out).toContain(
      'TODO(inlet) inlet.yaml config.team_slug: {team_slug} is supplied by no list operation',
    );
  });

  it('without securitySchemes: an optional bearer token, used only when set', async () => {
    const result = await init(
      spec({ '/things': list({ type: 'object', properties: { key: { type: 'string' } } }) }),
    );
    const { manifest } = await loadManifest(result.dir);
    expect(manifest.config?.token).toEqual({
      type: 'secret',
      env: 'ACME_TOKEN',
      required: false,
      description: expect.any(String),
    });
    expect(manifest.connection.auth).toEqual({
      type: 'bearer',
      token: '{config.token}',
      when: '{config.token}',
    });
    expect(await result.read('inlet.yaml')).toMatch(/# TODO\(inlet\): no securitySchemes[^\n]*\n\s+auth:/);
  });

  it.each([
    [{ type: 'http', scheme: 'bearer' }, { type: 'bearer', token: '{config.token}' }, ['token']],
    [
      { type: 'http', scheme: 'Basic' },
      { type: 'basic', username: '{config.username}', password: '{config.password}' },
      ['username', 'password'],
    ],
    [
      { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
      { type: 'apiKey', in: 'header', name: 'X-Api-Key', value: '{config.apiKey}' },
      ['apiKey'],
    ],
    [
      { type: 'apiKey', in: 'query', name: 'api_key' },
      { type: 'apiKey', in: 'query', name: 'api_key', value: '{config.apiKey}' },
      ['apiKey'],
    ],
    [
      {
        type: 'oauth2',
        flows: { clientCredentials: { tokenUrl: 'https://auth.acme.test/token', scopes: {} } },
      },
      {
        type: 'oauth2',
        grant: 'client_credentials',
        tokenUrl: 'https://auth.acme.test/token',
        clientId: '{config.clientId}',
        clientSecret: '{config.clientSecret}',
      },
      ['clientId', 'clientSecret'],
    ],
  ])('auth from securitySchemes %j (required by security)', async (scheme, auth, settings) => {
    const doc = spec(
      { '/things': list({ type: 'object', properties: { id: { type: 'string' } } }) },
      { securitySchemes: { main: scheme } },
      { security: [{ main: [] }] },
    );
    const result = await init(doc);
    const values = settings.map((s) => `${s}=x`);
    const { manifest } = await loadManifest(result.dir, { set: values });
    expect(manifest.connection.auth).toEqual(auth);
    for (const s of settings) expect(manifest.config?.[s]?.required).toBe(true);
    // The secret ones are secrets.
    expect(
      Object.entries(manifest.config ?? {})
        .filter(([, v]) => v.type === 'secret')
        .map(([k]) => k),
    ).toEqual(settings.filter((s) => !['username', 'clientId'].includes(s)));
    await expect(loadManifest(result.dir)).rejects.toThrow(/required/);
  });

  it('an optional security requirement ({}) makes the auth conditional', async () => {
    const doc = spec(
      { '/things': list({ type: 'object', properties: { id: { type: 'string' } } }) },
      { securitySchemes: { key: { type: 'apiKey', in: 'header', name: 'X-Key' } } },
      { security: [{}, { key: [] }] },
    );
    const { manifest } = await loadManifest((await init(doc)).dir);
    expect(manifest.connection.auth).toMatchObject({ type: 'apiKey', when: '{config.apiKey}' });
    expect(manifest.config?.apiKey?.required).toBe(false);
  });

  it('infers offset, page and cursor pagination and reads records from an envelope', async () => {
    const item = ref('item');
    const envelope = (extra: Json) => ({
      type: 'object',
      properties: { data: { type: 'array', items: item }, ...extra },
    });
    const get = (schema: Json, parameters: Json[]) => ({
      get: {
        parameters,
        responses: { '200': { description: 'ok', content: { 'application/json': { schema } } } },
      },
    });
    const doc = spec(
      {
        '/offsets': get(envelope({ total: { type: 'integer' } }), [
          param('offset', 'query', { type: 'integer' }),
          param('limit', 'query', { type: 'integer', maximum: 250 }),
        ]),
        '/pages': get(
          envelope({ meta: { type: 'object', properties: { total_pages: { type: 'integer' } } } }),
          [
            param('page', 'query'),
            param('page_size', 'query', { type: 'integer' }, 'Items per page, maximum 50.'),
          ],
        ),
        '/cursors': get(
          envelope({
            response_metadata: { type: 'object', properties: { next_cursor: { type: 'string' } } },
          }),
          [param('cursor', 'query'), param('limit', 'query', { type: 'integer' })],
        ),
        '/nexts': get(
          {
            type: 'object',
            properties: {
              results: { type: 'array', items: item },
              next: { type: ['string', 'null'], format: 'uri' },
            },
          },
          [],
        ),
        '/plain': get({ type: 'array', items: item }, []),
      },
      {
        schemas: {
          item: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } },
        },
      },
    );
    const result = await init(doc, 'spec.json');
    expect(result.code, result.err.join('')).toBe(0);
    const { manifest } = await loadManifest(result.dir);
    const r = manifest.resources;
    expect(Object.keys(r)).toEqual(['item', 'item-2', 'item-3', 'item-4', 'item-5']);
    expect(r.item).toMatchObject({
      records: '.data',
      paginate: { type: 'offset', param: 'offset', limitParam: 'limit', limit: 250, total: '.total' },
    });
    expect(r['item-2']).toMatchObject({
      paginate: {
        type: 'page',
        param: 'page',
        limitParam: 'page_size',
        limit: 50,
        last: '.meta.total_pages',
      },
    });
    expect(r['item-3']).toMatchObject({
      paginate: { type: 'cursor', param: 'cursor', path: '.response_metadata.next_cursor' },
      request: { query: { limit: 100 } },
    });
    expect(r['item-4']).toMatchObject({ records: '.results', paginate: { type: 'nextUrl', path: '.next' } });
    expect(r['item-5']?.paginate).toBeUndefined();
    const text = await result.read('inlet.yaml');
    // The undocumented cursor page size and the unpaginated list are TODOs.
    expect(text).toContain('# TODO(inlet): the largest limit is not documented; 100 is a guess');
    expect(text).toContain('# TODO(inlet): no pagination documented');
  });

  it('finds a parent through an id parameter and relates the child to it', async () => {
    const doc = spec({
      '/projects': list({
        type: 'object',
        properties: { id: { type: 'integer' }, name: { type: 'string' } },
      }),
      '/projects/{projectId}/tasks': {
        parameters: [param('projectId', 'path', { type: 'integer' })],
        ...list({
          type: 'object',
          title: 'Task',
          properties: { id: { type: 'integer' }, title: { type: 'string' }, status: { type: 'string' } },
        }),
      },
    });
    const { manifest } = await loadManifest((await init(doc)).dir);
    expect(manifest.resources.task).toMatchObject({
      parent: 'project',
      request: { path: '/projects/{parent.id}/tasks' },
    });
    expect(manifest.mapping?.resources[1]?.port.entity.mappings).toMatchObject({
      identifier: '.id',
      title: '.title',
      blueprint: '"acmeTask"',
      relations: { project: '$parent.id | tostring' },
    });
  });

  it('a parent that supplies some parameters: the rest are list settings, marked as read under every parent', async () => {
    const team = {
      type: 'object',
      properties: { id: { type: 'integer' }, slug: { type: 'string' }, name: { type: 'string' } },
    };
    const doc = spec(
      {
        '/orgs/{org}/teams': { parameters: [param('org', 'path')], ...list(ref('team')) },
        '/orgs/{org}/teams/{team_slug}/members': {
          parameters: [param('org', 'path'), param('team_slug', 'path')],
          ...list({ type: 'object', properties: { login: { type: 'string' } } }),
        },
      },
      { schemas: { team } },
    );
    const result = await init(doc);
    const { manifest } = await loadManifest(result.dir, { set: ['org=acme'] });
    expect(manifest.resources.member).toMatchObject({
      parent: 'team',
      for: { org: '{config.org}' },
      request: { path: '/orgs/{org}/teams/{parent.slug}/members' },
    });
    expect(await result.read('inlet.yaml')).toContain(
      '# TODO(inlet): org not found in team records: every value is read under every team',
    );
  });

  it('a required query parameter: its default, else a required setting', async () => {
    const required = (name: string, schema: Json) => ({ ...param(name, 'query', schema), required: true });
    const doc = spec({
      '/events': {
        parameters: [
          required('state', { type: 'string', default: 'open' }),
          required('project', { type: 'string' }),
        ],
        ...list({ type: 'object', properties: { id: { type: 'string' } } }),
      },
    });
    const result = await init(doc);
    await expect(loadManifest(result.dir)).rejects.toThrow(/project/);
    const { manifest } = await loadManifest(result.dir, { set: ['project=p1'] });
    expect(manifest.resources.event?.request.query).toEqual({ state: 'open', project: '{config.project}' });
    expect(manifest.config?.project).toMatchObject({ type: 'string', required: true, env: 'ACME_PROJECT' });
  });

  it('a $ref loop resolves to nothing instead of hanging', async () => {
    const doc = spec(
      { '/loops': list(ref('a')), '/things': list(ref('thing')) },
      {
        schemas: {
          a: ref('b'),
          b: ref('a'),
          thing: { type: 'object', properties: { id: { type: 'string' } } },
        },
      },
    );
    const result = await init(doc);
    expect(result.code, result.err.join('')).toBe(0);
    const { manifest } = await loadManifest(result.dir);
    expect(Object.keys(manifest.resources)).toEqual(['thing']);
  });

  it.each([
    [
      'a missing file',
      undefined,
      /^E_CONFIG: --from-openapi: .*nope\.json: cannot read the file \(ENOENT\)\n$/,
    ],
    [
      'Swagger 2.0',
      { swagger: '2.0', paths: {} },
      /^E_CONFIG: --from-openapi: .*spec\.yaml: not an OpenAPI 3 description: no "openapi: 3\.x" field \(found swagger: 2\.0\)\n$/,
    ],
    ['not YAML', 'openapi: [3\n  : :', /^E_CONFIG: --from-openapi: .*spec\.yaml: not JSON or YAML \(/],
    ['a JSON array', '[1, 2]', /^E_CONFIG: --from-openapi: .*spec\.yaml: not an OpenAPI 3 description/],
    [
      'no list operation',
      {
        openapi: '3.0.3',
        info: {},
        paths: { '/me': { get: { responses: { '200': { description: 'ok' } } } } },
      },
      /no GET operation returns a list/,
    ],
  ])(
    'bad input (%s): one line naming the file, E_CONFIG, exit 1, nothing written',
    async (_what, doc, message) => {
      const result = doc === undefined ? await initMissing() : await init(doc);
      expect(result.code).toBe(1);
      expect(result.err).toHaveLength(1);
      expect(result.err[0]).toMatch(message);
      expect(await readdir(root)).not.toContain('acme');
    },
  );

  async function initMissing() {
    const err: string[] = [];
    const code = await runCli(
      [
        'node',
        'inlet',
        'init',
        'acme',
        '--dir',
        join(root, 'acme'),
        '--from-openapi',
        join(root, 'nope.json'),
      ],
      {
        stdout: () => {},
        stderr: (t) => err.push(t),
      },
    );
    return { code, err };
  }
});
