/**
 * vitest-friendly helpers for an integration's own tests (`inlet/testing`, docs/testing.md): start a
 * built-in's simulator or a cassette replay server, sync into a temporary catalog, read its entities.
 */

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtIns } from '../../integrations/index.js';
import type { RunningSimulator, SimulatorOptions } from '../../integrations/registry.js';
import type { StoredEntity } from '../catalog/index.js';
import { ConfigError } from '../errors/errors.js';
import { loadManifest } from '../manifest/load.js';
import type { SyncSummary } from '../sync/engine.js';
import { type SyncIntegrationOptions, syncIntegration } from '../sync/sync-integration.js';
import { readCassettes, replaySettingsFile } from './cassette.js';
import { readCatalog } from './catalog.js';
import { baseUrlSetting } from './record-integration.js';
import { type ReplayServer, startReplay } from './replay-server.js';

/** Something a test starts and must stop: a simulator, a replay server. */
interface Closeable {
  close(): Promise<void>;
}

/** `resource` itself, now also stopped by `await using` at the end of the enclosing block. */
function disposable<T extends Closeable>(resource: T): T & AsyncDisposable {
  return Object.assign(resource, { [Symbol.asyncDispose]: () => resource.close() });
}

/**
 * Start a simulator on loopback: a built-in's by name (`github`, `jira`, `octopus`, `rapidpro`), or
 * any start function, whose own simulator type (its data, request log) the result keeps. Its
 * `settings` point a sync at it. Stopped by `await using`, or call `close()` (e.g. in `afterAll`).
 * @example
 * await using sim = await startBuiltInSimulator('github', { seed: 3, size: { orgs: 1 } });
 * await using jira = await startBuiltInSimulator(startJiraSimulator, { faults: { rate: 0.2 } });
 */
export async function startBuiltInSimulator(
  name: string,
  options?: SimulatorOptions,
): Promise<RunningSimulator & AsyncDisposable>;
export async function startBuiltInSimulator<O, S extends Closeable>(
  start: (options: O) => Promise<S>,
  options: O,
): Promise<S & AsyncDisposable>;
export async function startBuiltInSimulator(
  nameOrStart: string | ((options: unknown) => Promise<Closeable>),
  options?: unknown,
): Promise<Closeable & AsyncDisposable> {
  if (typeof nameOrStart === 'function') return disposable(await nameOrStart(options));
  const builtIn = builtIns.get(nameOrStart);
  if (!builtIn)
    throw new ConfigError(
      `no simulator for "${nameOrStart}" (built-ins: ${[...builtIns.keys()].join(', ')})`,
    );
  return disposable(await builtIn.startSimulator(options as SimulatorOptions | undefined));
}

/** A fresh SQLite catalog in a temporary folder, synced into as often as a test needs. */
export interface TempCatalog extends AsyncDisposable {
  /** The catalog file, for a `db` option or `inlet --db`. */
  db: string;
  /** `syncIntegration` into this catalog. */
  sync(integration: string, options?: Omit<SyncIntegrationOptions, 'db'>): Promise<SyncSummary>;
  /** The catalog's entities in export order; only `blueprint`'s when given. */
  entities(blueprint?: string): Promise<StoredEntity[]>;
  /** Removes the folder; `await using` calls it. */
  close(): Promise<void>;
}

/**
 * A temporary catalog, removed when the enclosing block ends (`await using`) or on `close()`.
 * @example
 * await using catalog = await tempCatalog();
 * await catalog.sync('integrations/github', { set: sim.settings });
 * expect(await catalog.entities('githubRepository')).toHaveLength(8);
 */
export async function tempCatalog(): Promise<TempCatalog> {
  const dir = await mkdtemp(join(tmpdir(), 'inlet-catalog-'));
  const db = join(dir, 'catalog.db');
  const close = () => rm(dir, { recursive: true, force: true });
  return {
    db,
    sync: (integration, options = {}) => syncIntegration(integration, { ...options, db }),
    entities: async (blueprint) =>
      (await readCatalog(db)).filter((e) => blueprint === undefined || e.blueprint === blueprint),
    close,
    [Symbol.asyncDispose]: close,
  };
}

export interface TempSync {
  summary: SyncSummary;
  /** Every entity of the catalog after the sync, in export order. */
  entities: StoredEntity[];
}

/**
 * One sync into a fresh temporary catalog (see `tempCatalog`), removed afterwards.
 * @example const { summary, entities } = await syncToTempCatalog('integrations/github', { set: sim.settings });
 */
export async function syncToTempCatalog(
  integration: string,
  options: Omit<SyncIntegrationOptions, 'db'> = {},
): Promise<TempSync> {
  await using catalog = await tempCatalog();
  const summary = await catalog.sync(integration, options);
  return { summary, entities: await catalog.entities() };
}

export interface ReplayedIntegration extends TempSync, AsyncDisposable {
  /** The replay server, still running for more syncs; `await using` or `replay.close()` stops it. */
  replay: ReplayServer;
  /** `--set` pairs pointing the integration at the replay server. */
  settings: string[];
}

/**
 * Serve an integration folder's cassettes and sync them (with its tests/settings.yaml) into a
 * temporary catalog; fails when a request matched no cassette.
 * @example
 * await using replayed = await replayToTempCatalog('my-api');
 * expect(replayed.entities.map((e) => e.identifier)).toContain('acme');
 */
export async function replayToTempCatalog(dir: string): Promise<ReplayedIntegration> {
  const replay = await startReplay(await readCassettes(dir));
  try {
    const template = (await loadManifest(dir, { env: {}, set: [] }).catch(() => undefined))?.manifest
      .connection.baseUrl;
    const settings = [`${(template && baseUrlSetting(template)) ?? 'baseUrl'}=${replay.url}`];
    const configFile = existsSync(replaySettingsFile(dir)) ? replaySettingsFile(dir) : undefined;
    const result = await syncToTempCatalog(dir, { set: settings, configFile, env: {} });
    if (replay.unmatched.length > 0) throw new ConfigError(`replay: ${replay.unmatched[0]!.message}`);
    return { ...result, replay, settings, [Symbol.asyncDispose]: () => replay.close() };
  } catch (error) {
    await replay.close();
    throw error;
  }
}
