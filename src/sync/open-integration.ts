import { type CatalogStore, openCatalog } from '../catalog/index.js';
import { ConfigError, type ConfigIssue, isInletError } from '../errors/errors.js';
import type { Client } from '../http/client.js';
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
import { type CheckResult, checkConnection } from './check-connection.js';
import { compilePlan, type SelectorCache } from './compile-plan.js';
import { type ConnectOptions, connect } from './connect.js';
import { incrementalStateKey, type KindSummary, type Mapper, runSync, type SyncSummary } from './engine.js';
import { countHttpEvent } from './kind-pages.js';
import type { LeaseSettings } from './lease.js';
import { createMapper } from './mapper.js';
import type { PlanData, SyncPlan } from './plan.js';
import { planData } from './plan-data.js';

export interface OpenOptions extends SettingsOptions {
  /** A port-app-config file used instead of the integration's own mapping (foreign: unknown keys warn). */
  mapping?: string;
  onWarning?: (message: string) => void;
}

export interface RunOptions {
  /** A SQLite path or postgres:// URL, or an open store (left open). @default './inlet.db' */
  db?: string | CatalogStore;
  kinds?: string[];
  /** `--full`: ignore stored incremental cursors and read everything. */
  full?: boolean;
  /** One run at a time per catalog: wait for a running one (default) or fail with E_BUSY. */
  lease?: LeaseSettings;
  /** Seams for the HTTP client (transport, clock …). */
  connect?: ConnectOptions;
  logger?: Logger;
  onEvent?: EventSink;
  onProgress?: (kind: KindSummary) => void;
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
}

/** An integration opened once: manifest, settings, mapper and plan, shared by every verb. */
export interface Integration {
  readonly name: string;
  readonly loaded: LoadedManifest;
  readonly mapper: Mapper;
  /** The `mapping` file given to openIntegration, parsed, used instead of the manifest's mapping. */
  readonly foreignMapping?: { file: string; value: unknown };
  /** The plan as plain data, with stored incremental cursors by kind when given. */
  planData(cursors?: Record<string, Record<string, unknown> | undefined>): PlanData;
  /** The engine's plan from plan data (selectors compiled once per integration). */
  compile(data: PlanData): Promise<SyncPlan>;
  /** The HTTP client for this integration's connection. */
  connect(options?: ConnectOptions): Client;
  /** `inlet check`: one cheap authenticated request and a verdict. */
  check(options?: Omit<ConnectOptions, 'retry'>): Promise<CheckResult>;
  /** `inlet sync`: one run into the catalog. */
  sync(options?: RunOptions): Promise<SyncSummary>;
  /** Ends the mapping thread; the integration can still be used afterwards (a new thread starts). */
  close(): Promise<void>;
}

/**
 * Open an integration: everything that can fail before a request is sent (the manifest and
 * settings, every jq program in the mapping and the selectors) fails here, as one ConfigError
 * carrying every issue with its file and line.
 * @example
 * const github = await openIntegration('integrations/github', { set: ['orgs=acme'] });
 * const summary = await github.sync({ db: './inlet.db' });
 */
export async function openIntegration(path: string, options: OpenOptions = {}): Promise<Integration> {
  const loaded = await loadManifest(path, options);
  const foreign = options.mapping ? await loadMappingFile(options.mapping) : undefined;
  const selectors: SelectorCache = new Map();
  let mapper: Mapper | undefined;
  try {
    mapper = await createMapper(loaded, foreign, options.onWarning ?? (() => {}));
    // Every selector compiles now, before any request; runs reuse them.
    await compilePlan(planData(loaded), selectors);
  } catch (error) {
    await mapper?.close?.();
    throw located(error, loaded, foreign);
  }
  const integration: Integration = {
    name: loaded.manifest.name,
    loaded,
    mapper,
    ...(foreign && { foreignMapping: { file: foreign.file, value: foreign.value } }),
    planData: (cursors) => planData(loaded, cursors),
    compile: (data) => compilePlan(data, selectors),
    connect: (connectOptions) => connect(loaded, connectOptions),
    check: (connectOptions) =>
      checkConnection(loaded, connectOptions, (data) => compilePlan(data, selectors)),
    sync: (runOptions = {}) => syncOnce(integration, runOptions, options.onWarning),
    close: async () => {
      await mapper.close?.();
    },
  };
  return integration;
}

async function syncOnce(
  integration: Integration,
  options: RunOptions,
  openWarning: ((message: string) => void) | undefined,
): Promise<SyncSummary> {
  const onWarning = options.onWarning ?? openWarning;
  const ownStore = typeof options.db !== 'object';
  const store = typeof options.db === 'object' ? options.db : await openCatalog(options.db ?? './inlet.db');
  try {
    const cursors = options.full ? {} : await storedCursors(store, integration.loaded);
    const plan = await integration.compile(integration.planData(cursors));
    checkKinds(plan, options.kinds);
    const client = integration.connect({
      ...options.connect,
      logger: options.logger ?? options.connect?.logger,
      onEvent: (event) => {
        countHttpEvent(event);
        options.onEvent?.(event);
        options.connect?.onEvent?.(event);
      },
    });
    try {
      return await runSync({
        plan,
        client,
        mapper: integration.mapper,
        store,
        kinds: options.kinds,
        lease: options.lease,
        signal: options.signal,
        onProgress: options.onProgress,
        onWarning,
      });
    } finally {
      await client.close();
    }
  } finally {
    if (ownStore) await store.close();
  }
}

export async function storedCursors(store: CatalogStore, loaded: LoadedManifest) {
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

export function checkKinds(plan: SyncPlan, kinds: string[] | undefined): void {
  const known = new Set(plan.kinds.map((k) => k.kind));
  const unknown = (kinds ?? []).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw ConfigError.of(
      unknown.map((kind) => ({
        path: '--kinds',
        code: 'unknown_kind',
        message: `unknown kind ${kind} (known: ${[...known].join(', ')})`,
      })),
    );
  }
}

/**
 * jq programs compile after the manifest loads, so their issues name only the field; this adds
 * the file and line of each, from the manifest, mapping.yml or the `--mapping` file.
 */
function located(error: unknown, loaded: LoadedManifest, foreign: MappingFile | undefined): unknown {
  if (!isInletError(error, 'E_CONFIG')) return error;
  const issues = (error as ConfigError).issues.map((issue): ConfigIssue => {
    if (issue.line !== undefined || !issue.path) return issue;
    if (foreign && issue.file === foreign.file) {
      return { ...issue, line: foreign.source.lineOf(parseFieldPath(issue.path)) };
    }
    if (issue.file === undefined && /^(mapping|resources)\b/.test(issue.path)) {
      return { ...issue, ...loaded.locate(issue.path) };
    }
    return issue;
  });
  return ConfigError.of(issues, { cause: error });
}
