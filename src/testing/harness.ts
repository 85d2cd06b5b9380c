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
import { openCatalog, type StoredEntity } from '../catalog/index.js';
import { ConfigError } from '../errors/errors.js';
import { loadManifest } from '../manifest/load.js';
import type { SyncSummary } from '../sync/engine.js';
import { type SyncIntegrationOptions, syncIntegration } from '../sync/sync-integration.js';
import { readCassettes, replaySettingsFile } from './cassette.js';
import { baseUrlSetting } from './record-integration.js';
import { type ReplayServer, startReplay } from './replay-server.js';

/**
 * Start a built-in's simulator (`github`, `jira`, `octopus`, `rapidpro`) on loopback; `settings`
 * point a sync at it. Close it in `afterAll`.
 * @example const sim = await startBuiltInSimulator('github', { size: { orgs: 1 } });
 */
export function startBuiltInSimulator(name: string, options?: SimulatorOptions): Promise<RunningSimulator> {
  const builtIn = builtIns.get(name);
  if (!builtIn)
    throw new ConfigError(`no simulator for "${name}" (built-ins: ${[...builtIns.keys()].join(', ')})`);
  return builtIn.startSimulator(options);
}

export interface TempSync {
  summary: SyncSummary;
  /** Every entity of the catalog after the sync, in export order. */
  entities: StoredEntity[];
}

/**
 * One sync into a fresh temporary SQLite catalog, removed afterwards.
 * @example const { entities } = await syncToTempCatalog('integrations/github', { set: sim.settings });
 */
export async function syncToTempCatalog(
  integration: string,
  options: Omit<SyncIntegrationOptions, 'db'> = {},
): Promise<TempSync> {
  const dir = await mkdtemp(join(tmpdir(), 'inlet-sync-'));
  try {
    const store = await openCatalog(join(dir, 'catalog.db'));
    try {
      const summary = await syncIntegration(integration, { ...options, db: store });
      const entities: StoredEntity[] = [];
      for await (const e of store.exportEntities()) entities.push(e);
      return { summary, entities };
    } finally {
      await store.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface ReplayedIntegration extends TempSync {
  /** The replay server, still running for more syncs; close it when done. */
  replay: ReplayServer;
  /** `--set` pairs pointing the integration at the replay server. */
  settings: string[];
}

/**
 * Serve an integration folder's cassettes and sync them (with its tests/settings.yaml) into a
 * temporary catalog; fails when a request matched no cassette.
 * @example const { entities, replay } = await replayToTempCatalog('my-api'); await replay.close();
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
    return { ...result, replay, settings };
  } catch (error) {
    await replay.close();
    throw error;
  }
}
