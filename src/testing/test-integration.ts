/**
 * `inlet test` as a function (docs/testing.md): the cassettes replayed on a loopback server, synced
 * into temporary catalogs, and the contract's checks run, each with a verdict and a reason.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CatalogStore, openCatalog } from '../catalog/index.js';
import { isInletError } from '../errors/errors.js';
import type { ConnectOptions } from '../sync/connect.js';
import { incrementalStateKey } from '../sync/engine.js';
import { type Integration, openIntegration } from '../sync/open-integration.js';
import { expectedFile, readCassettes, replaySettingsFile } from './cassette.js';
import { relativizer } from './cassette-scrub.js';
import type { CheckResult, ReplayRun } from './checks/check.js';
import { entitiesComplete } from './checks/entities-complete.js';
import { expectedCatalog } from './checks/expected-catalog.js';
import { faultsTolerated } from './checks/faults-tolerated.js';
import { idempotentResync } from './checks/idempotent-resync.js';
import { incrementalForward } from './checks/incremental-forward.js';
import { type FailureTrial, noDeleteOnFailure } from './checks/no-delete-on-failure.js';
import { type ExportedEntity, expectedText, exportCatalog, parseExpected } from './expected.js';
import { parseFaultSpec, type RateLimitAnswer } from './faults.js';
import { baseUrlSetting } from './record-integration.js';
import { type ReplayServer, startReplay } from './replay-server.js';
import { VirtualClock } from './virtual-clock.js';

/** The contract's default `--faults`. */
export const DEFAULT_TEST_FAULTS = '429:0.1,502:0.05,reset:0.05,seed:1';

export interface TestOptions {
  /** Rewrite `expected.ndjson` from the replay. */
  update?: boolean;
  /** @default DEFAULT_TEST_FAULTS */
  faults?: string;
  /** The API's rate-limit answer for the faults (a built-in's `rateLimitAnswer`). */
  rateLimitAnswer?: RateLimitAnswer;
  /** Called as each check finishes. */
  onCheck?: (result: CheckResult) => void;
}

/**
 * @example const results = await testIntegration('integrations/github'); // [{ check: 'expected-catalog', passed: true, … }]
 */
export async function testIntegration(dir: string, options: TestOptions = {}): Promise<CheckResult[]> {
  const faultText = options.faults ?? DEFAULT_TEST_FAULTS;
  const faults = parseFaultSpec(faultText);
  const cassettes = await readCassettes(dir);
  const expectedPath = expectedFile(dir);
  const expected = existsSync(expectedPath)
    ? parseExpected(await readFile(expectedPath, 'utf8'), expectedPath)
    : undefined;
  const server = await startReplay(cassettes);
  const temp = await mkdtemp(join(tmpdir(), 'inlet-test-'));
  let integration: Integration | undefined;
  const results: CheckResult[] = [];
  const report = (r: CheckResult) => {
    results.push(r);
    options.onCheck?.(r);
  };
  try {
    integration = await openReplayed(dir, server);
    const kinds = kindsToSync(integration, [...cassettes.keys()], expected);
    const replay = replayer(integration, server, kinds);
    const main = await openCatalog(join(temp, 'replay.db'));
    try {
      const first = await replay(main);
      const cursorsFirst = await cursorsOf(main, integration);
      const second = await replay(main);
      const cursorsSecond = await cursorsOf(main, integration);

      if (options.update) {
        await writeFile(expectedPath, expectedText(first.entities));
        report({
          check: 'expected-catalog',
          passed: true,
          reason: `rewrote ${expectedPath} (${first.entities.length} entities)`,
        });
      } else report(expectedCatalog(first, expected, emptyKinds(first, integration, expected)));
      report(idempotentResync(second));

      const clock = new VirtualClock(Date.now());
      server.configure({ faults, clock, rateLimitAnswer: options.rateLimitAnswer });
      const faultedStore = await openCatalog(join(temp, 'faults.db'));
      let retries = 0;
      const faulted = await replay(faultedStore, {
        clock,
        onEvent: (e) => void (e.type === 'retry' && retries++),
      }).finally(() => faultedStore.close());
      report(faultsTolerated(faulted, first.entities, faultText, retries));
      server.configure({});

      report(await failureTrials(main, replay, server, integration, [...cassettes.keys()], kinds));
      report(entitiesComplete(first, identifierPrograms(integration)));
      const cursors = new Map<
        string,
        { first: Record<string, unknown> | undefined; second: Record<string, unknown> | undefined }
      >();
      for (const kind of Object.keys(cursorsFirst))
        cursors.set(kind, { first: cursorsFirst[kind], second: cursorsSecond[kind] });
      report(incrementalForward(cursors));
    } finally {
      await main.close();
    }
  } finally {
    await integration?.close();
    await server.close();
    await rm(temp, { recursive: true, force: true });
  }
  return results;
}

/** The integration with `tests/settings.yaml` and its base URL on the replay server; the environment is not read. */
async function openReplayed(dir: string, server: ReplayServer): Promise<Integration> {
  const probe = await openIntegration(dir, { configFile: settingsFile(dir), env: {}, set: [] }).catch(
    () => undefined,
  );
  const template = probe?.loaded.manifest.connection.baseUrl;
  await probe?.close();
  const key = template === undefined ? 'baseUrl' : (baseUrlSetting(template) ?? 'baseUrl');
  return openIntegration(dir, { configFile: settingsFile(dir), env: {}, set: [`${key}=${server.url}`] });
}

const settingsFile = (dir: string) =>
  existsSync(replaySettingsFile(dir)) ? replaySettingsFile(dir) : undefined;

type Replay = (store: CatalogStore, connect?: ConnectOptions) => Promise<ReplayRun>;

function replayer(integration: Integration, server: ReplayServer, kinds: string[] | undefined): Replay {
  const relative = relativizer(server.url);
  return async (store, connect) => {
    const warnings: string[] = [];
    const run: ReplayRun = { warnings, unmatched: [], entities: [] };
    try {
      run.summary = await integration.sync({
        db: store,
        kinds,
        connect,
        onWarning: (message) => warnings.push(message),
      });
    } catch (error) {
      run.error = isInletError(error)
        ? error.toLine()
        : error instanceof Error
          ? error.message
          : String(error);
    }
    run.unmatched = [...server.unmatched];
    server.unmatched.length = 0;
    run.entities = await exportCatalog(store, integration.name, relative);
    return run;
  };
}

/**
 * With all of the manifest's kinds recorded, all are synced; after `inlet record --kinds`, only those
 * whose blueprints the expected catalog holds (a parent read for them has a cassette but no entities).
 */
function kindsToSync(integration: Integration, recorded: string[], expected: ExportedEntity[] | undefined) {
  const all = Object.keys(integration.loaded.manifest.resources);
  if (all.every((k) => recorded.includes(k)) || !expected) return undefined;
  const blueprints = new Set(expected.map((e) => e.blueprint));
  const kinds = recorded.filter((k) =>
    integration.mapper.blueprintsOf(k).literals.some((b) => blueprints.has(b)),
  );
  return kinds.length > 0 ? kinds : undefined;
}

/** Each recorded kind's requests failing in turn (no retries), on the catalog of a good sync. */
async function failureTrials(
  store: CatalogStore,
  replay: Replay,
  server: ReplayServer,
  integration: Integration,
  recorded: string[],
  kinds: string[] | undefined,
) {
  const trials: FailureTrial[] = [];
  for (const kind of recorded.filter(
    (k) =>
      integration.mapper.maps(k) ||
      Object.values(integration.loaded.manifest.resources).some((r) => r.parent === k),
  )) {
    const before = await exportCatalog(store, integration.name);
    server.configure({ failKinds: new Set([kind]) });
    const run = await replay(store, { retry: false });
    const after = await exportCatalog(store, integration.name);
    const status = run.summary?.kinds.find((k) => k.kind === kind)?.status;
    trials.push({ kind, before, after, reportedFailed: run.summary === undefined || status === 'failed' });
    server.configure({});
    // Put the catalog back to the good state for the next kind.
    await replay(store);
  }
  void kinds;
  return noDeleteOnFailure(trials);
}

async function cursorsOf(store: CatalogStore, integration: Integration) {
  const out: Record<string, Record<string, unknown> | undefined> = {};
  for (const [kind, resource] of Object.entries(integration.loaded.manifest.resources)) {
    if (resource.incremental) {
      out[kind] = (await store.getState(integration.name, incrementalStateKey(kind))) as
        | Record<string, unknown>
        | undefined;
    }
  }
  return out;
}

/** Each kind's identifier program, from the integration's own mapping. */
function identifierPrograms(integration: Integration): Map<string, string> {
  const out = new Map<string, string>();
  const mapping = integration.loaded.manifest.mapping as
    | { resources?: Array<{ kind: string; port?: { entity?: { mappings?: { identifier?: unknown } } } }> }
    | undefined;
  for (const entry of mapping?.resources ?? []) {
    const id = entry.port?.entity?.mappings?.identifier;
    if (typeof id === 'string' && !out.has(entry.kind)) out.set(entry.kind, id);
  }
  return out;
}

/** Kinds whose responses gave no records although the expected catalog holds their blueprints: the `records` path, most likely. */
function emptyKinds(
  run: ReplayRun,
  integration: Integration,
  expected: ExportedEntity[] | undefined,
): string[] {
  const blueprints = new Set((expected ?? []).map((e) => e.blueprint));
  return (run.summary?.kinds ?? [])
    .filter((k) => k.records === 0 && k.requests > 0)
    .filter((k) => integration.mapper.blueprintsOf(k.kind).literals.some((b) => blueprints.has(b)))
    .map((k) => {
      const records = integration.loaded.manifest.resources[k.kind]?.records;
      const path =
        typeof records === 'string' ? records : records === undefined ? 'the body' : JSON.stringify(records);
      return `kind ${k.kind}: ${k.requests} responses gave 0 records (records: ${path})`;
    });
}
