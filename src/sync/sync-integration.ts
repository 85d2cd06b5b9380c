import { type CatalogStore, openCatalog } from '../catalog/index.js';
import { ConfigError, isInletError } from '../errors/errors.js';
import type { Logger } from '../http/log.js';
import type { EventSink } from '../http/types.js';
import {
  type LoadedManifest,
  loadManifest,
  loadMappingFile,
  type MappingFile,
  parseFieldPath,
} from '../manifest/load.js';
import type { SettingsOptions } from '../manifest/settings.js';
import { connect } from './connect.js';
import {
  countHttpEvent,
  incrementalStateKey,
  type KindSummary,
  type Mapper,
  runSync,
  type SyncSummary,
} from './engine.js';
import { createMapper } from './mapper.js';
import type { SyncPlan } from './plan.js';
import { planFromManifest } from './plan-from-manifest.js';

export interface PrepareOptions extends SettingsOptions {
  /** A port-app-config file used instead of the integration's own mapping (foreign: unknown keys warn). */
  mapping?: string;
  onWarning?: (message: string) => void;
}

export interface Prepared {
  loaded: LoadedManifest;
  mapper: Mapper;
}

/**
 * Everything that can fail before a request is sent: the manifest and settings, every jq
 * program in the mapping and the selectors. Used by `inlet check` and `inlet sync`.
 */
export async function prepare(path: string, options: PrepareOptions = {}): Promise<Prepared> {
  const loaded = await loadManifest(path, options);
  const foreign = options.mapping ? await loadMappingFile(options.mapping) : undefined;
  try {
    const mapper = await createMapper(loaded, foreign, options.onWarning ?? (() => {}));
    // Compiles the selectors too; the plan is built again with stored state when syncing.
    await planFromManifest(loaded);
    return { loaded, mapper };
  } catch (error) {
    throw located(error, loaded, foreign);
  }
}

const FIELD = /^([A-Za-z_$][\w$-]*(?:\.[\w$-]+|\[\d+\])*): /;

/**
 * jq programs are compiled after the manifest loads; their errors name the field path, and this
 * adds `<file>:<line>` so they read like every other manifest error (§1).
 */
function located(error: unknown, loaded: LoadedManifest, foreign: MappingFile | undefined): unknown {
  if (!isInletError(error, 'E_CONFIG')) return error;
  if (foreign && error.message.startsWith(`${foreign.file}: `)) {
    const rest = error.message.slice(foreign.file.length + 2);
    const path = FIELD.exec(rest)?.[1];
    if (path) error.message = `${foreign.file}:${foreign.source.lineOf(parseFieldPath(path))}: ${rest}`;
    return error;
  }
  const path = FIELD.exec(error.message)?.[1];
  if (path && (path.startsWith('mapping') || path.startsWith('resources'))) {
    error.message = `${loaded.locate(path)}: ${error.message}`;
  }
  return error;
}

export interface SyncIntegrationOptions extends PrepareOptions {
  /** A SQLite path or postgres:// URL, or an open store. @default './inlet.db' */
  db?: string | CatalogStore;
  kinds?: string[];
  /** `--full`: ignore stored incremental cursors and read everything. */
  full?: boolean;
  logger?: Logger;
  onEvent?: EventSink;
  onProgress?: (kind: KindSummary) => void;
  signal?: AbortSignal;
}

/**
 * `inlet sync` as a function: load and check everything, then read every kind into the catalog.
 * @example const summary = await syncIntegration('integrations/github', { set: ['orgs=acme'] });
 */
export async function syncIntegration(
  path: string,
  options: SyncIntegrationOptions = {},
): Promise<SyncSummary> {
  const { loaded, mapper } = await prepare(path, options);
  const store = typeof options.db === 'object' ? options.db : await openCatalog(options.db ?? './inlet.db');
  const client = connect(loaded, {
    logger: options.logger,
    onEvent: (event) => {
      countHttpEvent(event);
      options.onEvent?.(event);
    },
  });
  try {
    const plan = await planFromManifest(loaded, options.full ? {} : await storedCursors(store, loaded));
    checkKinds(plan, options.kinds);
    return await runSync({
      plan,
      client,
      mapper,
      store,
      kinds: options.kinds,
      signal: options.signal,
      onProgress: options.onProgress,
      onWarning: options.onWarning,
    });
  } finally {
    await client.close();
    if (typeof options.db !== 'object') await store.close();
  }
}

async function storedCursors(store: CatalogStore, loaded: LoadedManifest) {
  const state: Record<string, Record<string, unknown> | undefined> = {};
  for (const [kind, resource] of Object.entries(loaded.manifest.resources)) {
    if (resource.incremental) {
      state[kind] = (await store.getState(loaded.manifest.name, incrementalStateKey(kind))) as
        | Record<string, unknown>
        | undefined;
    }
  }
  return state;
}

function checkKinds(plan: SyncPlan, kinds: string[] | undefined): void {
  const known = new Set(plan.kinds.map((k) => k.kind));
  const unknown = (kinds ?? []).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw new ConfigError(`--kinds: unknown kind ${unknown.join(', ')} (known: ${[...known].join(', ')})`);
  }
}
