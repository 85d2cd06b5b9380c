import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { isInletError } from '../../errors/errors.js';
import { syncIntegration } from '../sync-integration.js';
import { FIXTURE_DIR, fixtureSettings, startTestApi, type TestApi } from './test-api.js';

const run = promisify(execFile);
/** Built by `npm test`'s pretest (`tsc -p .`). */
const CLI = fileURLToPath(new URL('../../../dist/src/cli/main.js', import.meta.url));

type Json = Record<string, unknown>;

interface Case {
  name: string;
  /** The text the one-line message must contain: the field path (or the setting's name). */
  field: string;
  /** An edit of the parsed fixture; the result is written back as YAML. */
  edit?: (manifest: Json) => void;
  /** An edit of the fixture's text, for what a parsed document cannot hold (duplicate keys, bad YAML). */
  text?: (yaml: string) => string;
  /** The `--set` values, given the valid ones. */
  settings?: (valid: string[]) => string[];
  kinds?: string[];
}

/** The object at a dotted path (`mapping.resources.4.port`); list indexes are numbers in the path. */
function node(root: Json, path: string): Json {
  let current: unknown = root;
  for (const key of path === '' ? [] : path.split('.')) current = (current as Json)[key];
  if (current === null || typeof current !== 'object') throw new Error(`fixture has no object at ${path}`);
  return current as Json;
}

function setAt(path: string, value: unknown) {
  return (manifest: Json) => {
    const keys = path.split('.');
    const last = keys.pop() as string;
    node(manifest, keys.join('.'))[last] = value;
  };
}

function deleteAt(path: string) {
  return (manifest: Json) => {
    const keys = path.split('.');
    const last = keys.pop() as string;
    const parent = node(manifest, keys.join('.'));
    if (!(last in parent)) throw new Error(`fixture has no ${path}`);
    delete parent[last];
  };
}

const mapping = (index: number, rest: string) => `mapping.resources.${index}.${rest}`;
const MAPPINGS = 'port.entity.mappings';
const without = (key: string) => (valid: string[]) => valid.filter((s) => !s.startsWith(`${key}=`));
const plus = (extra: string) => (valid: string[]) => [...valid, extra];

// Mapping entries of the fixture: 0 org, 1 team, 2 team members, 3 project, 4 task, 5 event, 6 label.
const CASES: Case[] = [
  { name: 'bad integration name', field: 'name', edit: setAt('name', 'E2E!') },
  { name: 'unknown top-level key', field: 'colour', edit: setAt('colour', 'red') },
  { name: 'connection missing', field: 'connection', edit: deleteAt('connection') },
  { name: 'unknown setting type', field: 'config.orgs.type', edit: setAt('config.orgs.type', 'array') },
  {
    name: 'setting default of the wrong type',
    field: 'config.taskPageSize.default',
    edit: setAt('config.taskPageSize.default', { size: 3 }),
  },
  { name: 'bad duration', field: 'connection.timeout', edit: setAt('connection.timeout', 'soon') },
  {
    name: 'retry attempts not a number',
    field: 'connection.retry.attempts',
    edit: setAt('connection.retry.attempts', 'three'),
  },
  {
    name: 'bad backoff duration',
    field: 'connection.retry.backoff.initial',
    edit: setAt('connection.retry.backoff.initial', '5 minutes'),
  },
  {
    name: 'unknown auth type',
    field: 'connection.auth.type',
    edit: setAt('connection.auth.type', 'kerberos'),
  },
  {
    name: 'bearer auth without token',
    field: 'connection.auth.token',
    edit: deleteAt('connection.auth.token'),
  },
  { name: 'zero concurrency', field: 'connection.concurrency', edit: setAt('connection.concurrency', 0) },
  {
    name: 'unknown setting in a connection header',
    field: 'connection.headers.X-Trace',
    edit: setAt('connection.headers.X-Trace', '{config.traceId}'),
  },
  {
    name: 'unknown paginate type',
    field: 'resources.task.paginate.type',
    edit: setAt('resources.task.paginate.type', 'scroll'),
  },
  {
    name: 'cursor pagination without param',
    field: 'resources.task.paginate.param',
    edit: deleteAt('resources.task.paginate.param'),
  },
  {
    name: 'offset limit not a number',
    field: 'resources.team.paginate.limit',
    edit: setAt('resources.team.paginate.limit', 'ten'),
  },
  {
    name: 'unknown paginate key',
    field: 'resources.label.paginate.size',
    edit: setAt('resources.label.paginate.size', 4),
  },
  {
    name: 'negative maxPages',
    field: 'resources.label.paginate.maxPages',
    edit: setAt('resources.label.paginate.maxPages', -1),
  },
  {
    name: 'maxItems not a number',
    field: 'resources.event.maxItems',
    edit: setAt('resources.event.maxItems', 'many'),
  },
  {
    name: 'request without path',
    field: 'resources.project.request.path',
    edit: deleteAt('resources.project.request.path'),
  },
  {
    name: 'unknown request method',
    field: 'resources.project.request.method',
    edit: setAt('resources.project.request.method', 'FETCH'),
  },
  {
    name: 'unknown parent kind',
    field: 'resources.task.parent',
    edit: setAt('resources.task.parent', 'milestone'),
  },
  {
    name: 'a cycle of parents',
    field: 'resources.project.parent',
    edit: setAt('resources.project.parent', 'task'),
  },
  {
    name: 'unknown placeholder',
    field: 'resources.task.request.path',
    edit: setAt('resources.task.request.path', '/projects/{parent.id}/tasks/{milestone}'),
  },
  {
    name: '{parent.…} in a kind without parent',
    field: 'resources.event.request.path',
    edit: setAt('resources.event.request.path', '/events/{parent.id}'),
  },
  {
    name: 'unknown setting in `for`',
    field: 'resources.team.for.org',
    edit: setAt('resources.team.for.org', '{config.teams}'),
  },
  {
    name: 'duplicate kinds',
    field: 'resources.label',
    text: (yaml) =>
      yaml.replace('\nmapping:\n', '\n  label:\n    request: { path: /labels/again }\nmapping:\n'),
  },
  {
    name: 'mapping for an unknown kind',
    field: 'mapping.resources[6].kind',
    edit: setAt(mapping(6, 'kind'), 'milestone'),
  },
  {
    name: 'unknown key in a mapping',
    field: 'mapping.resources[0].port.entity.mappings.colour',
    edit: setAt(mapping(0, `${MAPPINGS}.colour`), '.color'),
  },
  {
    name: 'mapping without blueprint',
    field: 'mapping.resources[5].port.entity.mappings.blueprint',
    edit: deleteAt(mapping(5, `${MAPPINGS}.blueprint`)),
  },
  {
    name: 'deletionThreshold above 1',
    field: 'mapping.deletionThreshold',
    edit: setAt('mapping.deletionThreshold', 1.5),
  },
  {
    name: 'jq syntax error in a mapping',
    field: 'mapping.resources[0].port.entity.mappings.identifier',
    edit: setAt(mapping(0, `${MAPPINGS}.identifier`), '.login |'),
  },
  {
    name: 'unknown jq function in a mapping',
    field: 'mapping.resources[0].port.entity.mappings.properties.plan',
    edit: setAt(mapping(0, `${MAPPINGS}.properties.plan`), '.plan | frobnicate'),
  },
  {
    name: 'unknown jq variable in a relation',
    field: 'mapping.resources[4].port.entity.mappings.relations.project',
    edit: setAt(mapping(4, `${MAPPINGS}.relations.project`), '$milestone.id'),
  },
  {
    name: 'jq syntax error in a selector',
    field: 'mapping.resources[4].selector.query',
    edit: setAt(mapping(4, 'selector.query'), '.status !='),
  },
  {
    name: 'jq syntax error in itemsToParse',
    field: 'mapping.resources[2].port.itemsToParse',
    edit: setAt(mapping(2, 'port.itemsToParse'), '.members['),
  },
  {
    name: 'jq syntax error in records',
    field: 'resources.task.records',
    edit: setAt('resources.task.records', '.tasks['),
  },
  {
    name: 'unknown jq function in a paginate path',
    field: 'resources.task.paginate.path',
    edit: setAt('resources.task.paginate.path', '.next_cursor | nope'),
  },
  {
    name: 'jq syntax error in an offset total',
    field: 'resources.team.paginate.total',
    edit: setAt('resources.team.paginate.total', '.total +'),
  },
  {
    name: 'unknown jq function in a page `last`',
    field: 'resources.label.paginate.last',
    edit: setAt('resources.label.paginate.last', 'lastpage(.)'),
  },
  { name: 'missing required setting', field: '"orgs"', settings: without('orgs') },
  { name: 'missing required secret', field: '"token"', settings: without('token') },
  { name: 'malformed url setting', field: '"baseUrl"', settings: plus('baseUrl=not a url') },
  { name: 'non-http url setting', field: '"baseUrl"', settings: plus('baseUrl=ftp://127.0.0.1/') },
  { name: 'setting outside its enum', field: '"state"', settings: plus('state=closed') },
  { name: 'number setting not a number', field: '"taskPageSize"', settings: plus('taskPageSize=lots') },
  { name: 'unknown --set key', field: 'colour', settings: plus('colour=red') },
  { name: 'unknown kind in kinds', field: '--kinds', kinds: ['milestone'] },
];

describe('malformed manifests and settings fail with one E_CONFIG line before any request', () => {
  let api: TestApi;
  let root: string;
  let fixture: string;
  beforeAll(async () => {
    api = await startTestApi({ seed: 7 });
    root = await mkdtemp(join(tmpdir(), 'inlet-e2e-malformed-'));
    fixture = await readFile(join(FIXTURE_DIR, 'inlet.yaml'), 'utf8');
  });
  afterAll(async () => {
    await api?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });
  beforeEach(() => {
    api.hits.length = 0;
  });

  /** Writes the case's integration folder; returns it with the settings to pass. */
  async function prepareCase(c: Case): Promise<{ dir: string; set: string[]; db: string }> {
    const dir = join(root, c.name.replace(/[^a-z0-9]+/gi, '-'));
    await mkdir(dir, { recursive: true });
    let text = fixture;
    if (c.edit) {
      const manifest = parse(fixture) as Json;
      c.edit(manifest);
      text = stringify(manifest);
    }
    if (c.text) text = c.text(text);
    if (c.edit || c.text) expect(text, 'the case must change the manifest').not.toBe(fixture);
    await writeFile(join(dir, 'inlet.yaml'), text);
    const valid = fixtureSettings(api);
    return { dir, set: c.settings ? c.settings(valid) : valid, db: join(dir, 'catalog.db') };
  }

  it('has at least 30 distinct cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  it.each(CASES)('$name → E_CONFIG naming $field', async (c) => {
    const { dir, set, db } = await prepareCase(c);
    const error: unknown = await syncIntegration(dir, { set, db, kinds: c.kinds }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isInletError(error), String(error)).toBe(true);
    if (!isInletError(error)) return;
    expect(error.code).toBe('E_CONFIG');
    expect(error.message).not.toContain('\n');
    expect(error.message).toContain(c.field);
    expect(error.message).not.toContain(api.token);
    expect(api.hits).toEqual([]);
  });

  it('names the manifest file and line in every manifest error (manifest contract §1)', async () => {
    const unnamed: string[] = [];
    for (const c of CASES.filter((x) => x.edit && !x.settings && !x.kinds)) {
      const { dir, set, db } = await prepareCase(c);
      const error: unknown = await syncIntegration(dir, { set, db }).then(
        () => undefined,
        (e: unknown) => e,
      );
      const message = error instanceof Error ? error.message : String(error);
      if (!message.startsWith(`${join(dir, 'inlet.yaml')}:`) || !/^[^:]+:\d+: /.test(message)) {
        unnamed.push(message);
      }
    }
    expect(unnamed).toEqual([]);
  });

  it('the valid fixture itself passes (so each case fails for its own edit)', async () => {
    const { dir, set, db } = await prepareCase({ name: 'valid', field: '' });
    const summary = await syncIntegration(dir, { set, db });
    expect(summary.status).toBe('succeeded');
    expect(api.hits.length).toBeGreaterThan(0);
  });

  const viaCli = [
    'unknown paginate type',
    'jq syntax error in a mapping',
    'duplicate kinds',
    'missing required setting',
  ];
  it.each(CASES.filter((c) => viaCli.includes(c.name)))(
    'CLI: $name → exit non-zero, one stderr line starting with E_CONFIG',
    async (c) => {
      const { dir, set, db } = await prepareCase(c);
      const args = [
        CLI,
        'sync',
        dir,
        '--db',
        db,
        '--log-level',
        'silent',
        ...set.flatMap((s) => ['--set', s]),
      ];
      const result = await run(process.execPath, args).then(
        (ok) => ({ code: 0, ...ok }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
      expect(result.code).not.toBe(0);
      const stderr = result.stderr.trimEnd();
      expect(stderr).toMatch(/^E_CONFIG\b/);
      expect(stderr).not.toContain('\n');
      expect(stderr).toContain(c.field);
      expect(api.hits).toEqual([]);
    },
  );
});
