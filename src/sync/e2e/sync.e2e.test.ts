import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog, type StoredEntity } from '../../catalog/index.js';
import { createLogger } from '../../http/log.js';
import { readCatalog } from '../../testing/catalog.js';
import { postgresUnavailable, startPostgres, type TestPostgres } from '../../testing/postgres.js';
import { type SyncIntegrationOptions, syncIntegration } from '../sync-integration.js';
import {
  exportLine,
  FIXTURE_DIR,
  fixtureSettings,
  startTestApi,
  type TestApi,
  type TestData,
} from './test-api.js';

const run = promisify(execFile);
/** Built by `npm test`'s pretest (`tsc -p .`). */
const CLI = fileURLToPath(new URL('../../../dist/src/cli/main.js', import.meta.url));

const exportLines = async (db: string) => (await readCatalog(db)).map(exportLine);

function byBlueprint(entities: StoredEntity[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of entities) {
    out[e.blueprint] = [...(out[e.blueprint] ?? []), e.identifier];
  }
  for (const ids of Object.values(out)) ids.sort();
  return out;
}

/** What the fixture's mapping should make of `data` when reading `orgs`, computed independently. */
function expectedIdentifiers(data: TestData, orgs: string[]): Record<string, string[]> {
  const inOrgs = <T extends { org: string }>(list: T[]) => list.filter((x) => orgs.includes(x.org));
  const projects = inOrgs(data.projects).map((p) => p.id);
  const sorted = (ids: string[]) => [...ids].sort();
  return {
    event: sorted(data.events.map((e) => e.id)),
    label: sorted(data.labels.map((l) => l.name)),
    member: sorted(inOrgs(data.teams).flatMap((t) => t.members.map((m) => `${t.org}/${t.slug}/${m.login}`))),
    org: sorted(data.orgs.filter((o) => orgs.includes(o.login)).map((o) => o.login)),
    project: sorted(projects),
    task: sorted(
      data.tasks.filter((t) => projects.includes(t.project_id) && t.status !== 'archived').map((t) => t.id),
    ),
    team: sorted(inOrgs(data.teams).map((t) => `${t.org}/${t.slug}`)),
  };
}

const ORGS = ['acme', 'beta', 'gamma'];

describe('inlet sync end to end (fixture manifest against the loopback test API)', () => {
  let api: TestApi;
  let dir: string;
  let db: string;
  const sync = (options: Partial<SyncIntegrationOptions> = {}) =>
    syncIntegration(FIXTURE_DIR, { set: fixtureSettings(api, ORGS), db, ...options });

  beforeEach(async () => {
    api = await startTestApi({ seed: 42 });
    dir = await mkdtemp(join(tmpdir(), 'inlet-e2e-'));
    db = join(dir, 'catalog.db');
  });
  afterEach(async () => {
    await api.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads every kind through all six pagination styles into SQLite, matching the upstream dataset', async () => {
    const summary = await sync();
    expect(summary.status).toBe('succeeded');
    expect(summary.notes).toEqual([]);
    const entities = await readCatalog(db);
    expect(byBlueprint(entities)).toEqual(expectedIdentifiers(api.data, ORGS));
    expect(summary.totals.upserted).toBe(entities.length);
    // The summary's request count is the requests on the wire: a parent read once counts once.
    expect(summary.totals.requests).toBe(api.hits.length);

    // Every pagination style followed at least one page beyond the first; `for` read only the listed orgs.
    const followed = {
      offset: /^\/orgs\/\w+\/teams\?.*startAt=2/,
      link: /^\/orgs\/\w+\/projects\?.*page=2/,
      cursor: /^\/projects\/[\w-]+\/tasks\?.*cursor=/,
      nextUrl: /^\/events\?page=3$/,
      page: /^\/labels\?page=3$/,
    };
    for (const [type, pattern] of Object.entries(followed)) {
      expect(
        api.hits.some((h) => pattern.test(h)),
        type,
      ).toBe(true);
    }
    expect(api.hits.filter((h) => h.startsWith('/orgs/delta'))).toEqual([]);
    expect(api.hits.filter((h) => h.startsWith('/labels?page=4'))).toEqual([]);

    // Relations bind `$parent` and the `for` variable `$org`; properties come from jq programs.
    const tasks = entities.filter((e) => e.blueprint === 'task');
    for (const task of tasks) {
      const upstream = api.data.tasks.find((t) => t.id === task.identifier);
      expect(task.relations).toEqual({ project: upstream?.project_id });
      expect(task.properties).toEqual({ status: upstream?.status, points: upstream?.points });
    }
    const team = entities.find((e) => e.blueprint === 'team' && e.identifier === 'beta/team-2');
    const upstreamTeam = api.data.teams.find((t) => t.org === 'beta' && t.slug === 'team-2');
    expect(team?.relations).toEqual({ org: 'beta' });
    expect(team?.properties).toEqual({ size: upstreamTeam?.members.length });
    const member = entities.find((e) => e.blueprint === 'member');
    expect(member?.relations.team).toBe(member?.identifier.split('/').slice(0, 2).join('/'));
  });

  it('leaves every entity untouched when an unchanged upstream is synced again', async () => {
    await sync();
    const before = await readCatalog(db);
    const summary = await sync();
    expect(summary.status).toBe('succeeded');
    expect(summary.totals).toMatchObject({ upserted: 0, unchanged: before.length, deleted: 0 });
    const after = await readCatalog(db);
    expect(after.map((e) => [e.blueprint, e.identifier, e.updatedAt])).toEqual(
      before.map((e) => [e.blueprint, e.identifier, e.updatedAt]),
    );
    expect(after.map(exportLine)).toEqual(before.map(exportLine));
  });

  it('deletes exactly the five records removed upstream, and nothing else', async () => {
    await sync();
    const before = await exportLines(db);
    // The first kept task of five different projects.
    const removed: string[] = [];
    for (const project of api.data.projects.filter((p) => ORGS.includes(p.org))) {
      const task = api.data.tasks.find((t) => t.project_id === project.id && t.status !== 'archived');
      if (task) removed.push(task.id);
      if (removed.length === 5) break;
    }
    expect(new Set(removed.map((id) => id.replace(/-t\d+$/, ''))).size).toBe(5);
    api.data.tasks = api.data.tasks.filter((t) => !removed.includes(t.id));

    const summary = await sync();
    expect(summary.status).toBe('succeeded');
    expect(summary.totals.deleted).toBe(5);
    const gone = (l: string) =>
      removed.some((id) => l.startsWith(`{"blueprint":"task","identifier":"${id}"`));
    expect(before.filter(gone)).toHaveLength(5);
    expect(await exportLines(db)).toEqual(before.filter((l) => !gone(l)));
  });

  it('keeps a failed kind’s entities while still reconciling the other blueprints of the run', async () => {
    await sync();
    const before = byBlueprint(await readCatalog(db));
    api.data.events = api.data.events.slice(3);
    const removedLabels = api.data.labels.slice(0, 2).map((l) => l.name);
    api.data.labels = api.data.labels.slice(2);
    api.failPath = /^\/events/;

    const summary = await sync();
    expect(summary.status).toBe('failed');
    const event = summary.kinds.find((k) => k.kind === 'event');
    expect(event?.status).toBe('failed');
    expect(event?.error).toMatch(/^E_SERVER/);
    expect(summary.notes).toEqual([expect.stringMatching(/^event: stale entities kept \(.*\bevent\b.*\)/)]);

    const after = byBlueprint(await readCatalog(db));
    expect(after.event).toEqual(before.event);
    expect(after.label).toEqual(before.label?.filter((name) => !removedLabels.includes(name)));
    expect(summary.totals.deleted).toBe(2);
    const catalog = await openCatalog(db);
    const [latest] = await catalog.listRuns();
    await catalog.close();
    expect(latest?.status).toBe('failed');
  });

  it('refuses to delete more than deletionThreshold of a blueprint, and says why', async () => {
    await sync();
    const before = byBlueprint(await readCatalog(db));
    // 6 of 10 labels (60% > the fixture's 0.5), and one task (well within it).
    api.data.labels = api.data.labels.slice(6);
    const task = api.data.tasks.find((t) => t.status === 'open' && t.project_id.startsWith('acme-'));
    api.data.tasks = api.data.tasks.filter((t) => t !== task);

    const summary = await sync();
    const after = byBlueprint(await readCatalog(db));
    expect(after.label).toEqual(before.label);
    expect(after.task).toEqual(before.task?.filter((id) => id !== task?.id));
    expect(summary.totals.deleted).toBe(1);
    expect(summary.notes).toEqual([
      expect.stringMatching(/^label: refused to delete 6 of 10 .*deletionThreshold/),
    ]);
  });

  it('with kinds: [label], reads and reconciles only the blueprint that kind alone produces', async () => {
    await sync();
    const before = byBlueprint(await readCatalog(db));
    const label = api.data.labels[0]?.name;
    api.data.labels = api.data.labels.slice(1);
    api.data.events = api.data.events.slice(1);
    api.data.tasks = api.data.tasks.filter(
      (t) => t.status === 'archived' || !t.project_id.startsWith('acme-'),
    );
    api.hits.length = 0;

    const summary = await sync({ kinds: ['label'] });
    expect(summary.status).toBe('succeeded');
    expect(api.hits.every((h) => h.startsWith('/labels'))).toBe(true);
    expect(summary.kinds.filter((k) => k.status !== 'skipped').map((k) => k.kind)).toEqual(['label']);
    const after = byBlueprint(await readCatalog(db));
    expect(after).toEqual({ ...before, label: before.label?.filter((name) => name !== label) });
    expect(summary.totals.deleted).toBe(1);
  });

  it('never writes the secret token to the catalog, the logs or the summary', async () => {
    const logLines: string[] = [];
    const logger = createLogger({
      level: 'trace',
      format: 'json',
      destination: { write: (s) => logLines.push(s) },
    });
    const other: string[] = [];
    api.failPath = /^\/events\?page=2/; // a failure, so error lines and run details are written too
    const summary = await sync({
      logger,
      onWarning: (m) => other.push(m),
      onEvent: (e) => other.push(JSON.stringify(e)),
    });
    expect(summary.status).toBe('failed');
    expect(logLines.length).toBeGreaterThan(0);
    other.push(JSON.stringify(summary));
    const lines = await exportLines(db);
    expect(lines.length).toBeGreaterThan(100);
    const catalog = await openCatalog(db);
    other.push(JSON.stringify(await catalog.listRuns()));
    await catalog.close();

    for (const text of [...logLines, ...lines, ...other]) expect(text).not.toContain(api.token);
    for (const file of [db, `${db}-wal`, `${db}-shm`].filter((f) => existsSync(f))) {
      expect((await readFile(file)).includes(Buffer.from(api.token)), file).toBe(false);
    }
  });

  it('never prints the secret token from the CLI, even at trace level with a failing kind', async () => {
    api.failPath = /^\/labels/;
    const args = [CLI, 'sync', FIXTURE_DIR, '--db', db, '--log-level', 'trace', '--verbose'];
    for (const s of fixtureSettings(api, ORGS)) args.push('--set', s);
    const result = await run(process.execPath, args).then(
      () => ({ code: 0, stdout: '', stderr: '' }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/E_SERVER/);
    expect(`${result.stdout}${result.stderr}`).not.toContain(api.token);
  });
});

describe.skipIf(postgresUnavailable())('inlet sync end to end into PostgreSQL', () => {
  let pg: TestPostgres;
  let api: TestApi;
  let dir: string;
  beforeAll(async () => {
    pg = await startPostgres();
    api = await startTestApi({ seed: 42 });
    dir = await mkdtemp(join(tmpdir(), 'inlet-e2e-pg-'));
  });
  afterAll(async () => {
    await pg?.stop();
    await api?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('exports exactly the same ndjson lines from PostgreSQL as from SQLite', async () => {
    const sqlite = join(dir, 'catalog.db');
    const set = fixtureSettings(api, ORGS);
    const intoSqlite = await syncIntegration(FIXTURE_DIR, { set, db: sqlite });
    const intoPg = await syncIntegration(FIXTURE_DIR, { set, db: pg.url });
    expect([intoSqlite.status, intoPg.status]).toEqual(['succeeded', 'succeeded']);
    const fromPg = await readCatalog(pg.url);
    expect(byBlueprint(fromPg)).toEqual(expectedIdentifiers(api.data, ORGS));
    expect(fromPg.map(exportLine)).toEqual(await exportLines(sqlite));
  });
});
