/**
 * `inlet serve` as a function (docs/webhooks.md): check the webhooks block against the settings,
 * open the catalog, start the inbox applier and the HTTP server, and stop them all in order.
 * Registration (`--public-url`) is passed in as a hook.
 */
import type { CatalogStore } from '../catalog/index.js';
import { ConfigError } from '../errors/errors.js';
import type { Logger } from '../http/log.js';
import type { HttpEvent } from '../http/types.js';
import { placeholders, renderTemplate } from '../manifest/template.js';
import { DEFAULT_MAX_BODY_SIZE, type WebhooksSpec } from '../manifest/webhooks-schema.js';
import type { Integration } from '../sync/open-integration.js';
import { type ApplierOptions, startApplier } from './apply.js';
import { integrationApplyDeps } from './apply-deps.js';
import { createDeliveryHandler } from './delivery.js';
import { type CompiledEvents, compileEvents } from './events.js';
import { createMetrics, type InletMetrics } from './metrics.js';
import { type ResyncSchedule, startSchedule } from './schedule.js';
import { createWebhookApp, listen, type ServerState } from './server.js';
import type { Applier, ApplierDeps } from './types.js';
import type { VerifyConfig } from './verify.js';

/** What the `--public-url` hook receives. */
export interface ServeContext {
  integration: Integration;
  store: CatalogStore;
  metrics: InletMetrics;
  logger?: Logger;
  /** Aborted when the server stops. */
  signal: AbortSignal;
}

export interface ServeOptions {
  integration: Integration;
  /** An open catalog; closed by `stop()`. */
  store: CatalogStore;
  host: string;
  port: number;
  /** Settings of the inbox applier (attempts, backoff, poll). */
  applier?: ApplierOptions;
  /** Replaces the inbox applier (tests). @default startApplier (src/webhooks/apply.ts) */
  startApplier?: (deps: ApplierDeps & ApplierOptions) => Applier;
  /** `--every`: resync at start, then every this many milliseconds (src/webhooks/schedule.ts). */
  everyMs?: number;
  /** `--public-url`: make sure the provider sends deliveries to `webhookUrl` (webhooks.register). */
  register?: {
    publicUrl: string;
    run: (ctx: ServeContext & { publicUrl: string; webhookUrl: string }) => Promise<void>;
  };
  metrics?: InletMetrics;
  logger?: Logger;
  /** Longest wait for in-flight requests at stop. @default 10000 */
  graceMs?: number;
}

export interface RunningServe {
  /** `http://host:port`. */
  url: string;
  /** `webhooks.path`. */
  path: string;
  metrics: InletMetrics;
  /** Stop taking requests, finish in flight (within graceMs), stop the applier, close the catalog. */
  stop(): Promise<void>;
}

/**
 * The `verify` block with its secret rendered; an empty secret is a ConfigError naming the setting
 * (the server refuses to start: verification fails closed).
 * @example renderVerify(integration) // { type: 'hmac-sha256', header: 'X-Hub-Signature-256', prefix: 'sha256=', secret: '…' }
 */
export function renderVerify(integration: Integration): VerifyConfig {
  const webhooks = webhooksOf(integration);
  const { verify } = webhooks;
  if (verify.type === 'none') return verify;
  const template = verify.secret ?? '';
  const secret = renderTemplate(template, { config: integration.loaded.settings.values });
  if (secret === '') {
    const config = integration.loaded.manifest.config ?? {};
    const named = placeholders(template).filter((p) => p.startsWith('config.'));
    const hints = named.flatMap((p) => {
      const key = p.slice('config.'.length);
      const env = config[key]?.env;
      return [...(env ? [`set ${env}`] : []), `--set ${key}=…`];
    });
    const what = named.length > 0 ? `${named.join(', ')} is empty` : 'renders empty';
    throw new ConfigError(
      `webhooks.verify.secret: ${what}${hints.length > 0 ? ` (${hints.join(' or ')})` : ''}`,
    );
  }
  return { ...verify, secret } as VerifyConfig;
}

function webhooksOf(integration: Integration): WebhooksSpec {
  const webhooks = integration.loaded.manifest.webhooks;
  if (!webhooks) {
    throw new ConfigError(`${integration.loaded.file}: webhooks: the integration has no webhooks block`);
  }
  return webhooks;
}

/**
 * Start serving one integration's webhooks.
 * @example
 * const serve = await startServe({ integration, store, host: '127.0.0.1', port: 8080, startApplier });
 * await serve.stop();
 */
export async function startServe(options: ServeOptions): Promise<RunningServe> {
  const { integration, store, logger } = options;
  const name = integration.name;
  const webhooks = webhooksOf(integration);
  const verify = renderVerify(integration);
  const metrics = options.metrics ?? createMetrics();
  const events: CompiledEvents = await compileEvents(webhooks.events, { locate: integration.loaded.locate });
  const state: ServerState = { ready: false, stopping: false };
  const controller = new AbortController();
  let applier: Applier | undefined;
  const deliver = createDeliveryHandler({
    integration: name,
    maxBodySize: webhooks.maxBodySize ?? DEFAULT_MAX_BODY_SIZE,
    verify,
    deliveryId: webhooks.deliveryId,
    events,
    inbox: store,
    metrics,
    onStored: () => applier?.wake(),
    logger,
  });
  const app = createWebhookApp({ path: webhooks.path, deliver, metrics, state });
  let server: Awaited<ReturnType<typeof listen>>;
  try {
    server = await listen(app, { host: options.host, port: options.port });
  } catch (error) {
    await events.close();
    throw error;
  }
  const context: ServeContext = { integration, store, metrics, logger, signal: controller.signal };
  const onEvent = metrics.httpEvents(name);
  // The applier's resource `get` reads go through the integration's own client (auth, retries, budget).
  const client = integration.connect({ logger, onEvent });
  let schedule: ResyncSchedule | undefined;
  try {
    applier = (options.startApplier ?? startApplier)({
      ...options.applier,
      integration: name,
      store,
      events,
      ...integrationApplyDeps(integration, client),
      logger,
      metrics: metrics.applier(name),
    });
    state.ready = true;
    if (options.everyMs !== undefined) {
      schedule = startSchedule({
        everyMs: options.everyMs,
        logger,
        resync: (signal) => resync(integration, store, metrics, { signal, logger, onEvent }),
      });
    }
    // The single call site of `--public-url` registration (webhooks.register).
    if (options.register) {
      const webhookUrl = joinUrl(options.register.publicUrl, webhooks.path);
      await options.register.run({ ...context, publicUrl: options.register.publicUrl, webhookUrl });
    }
  } catch (error) {
    await server.close(0);
    await schedule?.stop();
    await applier?.stop();
    await events.close();
    await client.close();
    throw error;
  }

  let stopping: Promise<void> | undefined;
  return {
    url: server.url,
    path: webhooks.path,
    metrics,
    stop: () => {
      stopping ??= (async () => {
        state.stopping = true;
        controller.abort(new Error('inlet serve is stopping'));
        await server.close(options.graceMs ?? 10_000);
        await schedule?.stop();
        await applier?.stop();
        await events.close();
        await client.close();
        await store.close();
      })();
      return stopping;
    },
  };
}

/** One `--every` resync into the serve's catalog, counted in inlet_sync_runs_total and its duration. */
async function resync(
  integration: Integration,
  store: CatalogStore,
  metrics: InletMetrics,
  options: { signal: AbortSignal; logger?: Logger; onEvent: (event: HttpEvent) => void },
): Promise<void> {
  const started = performance.now();
  let status = 'failed';
  try {
    const summary = await integration.sync({ db: store, ...options });
    status = summary.status;
    options.logger?.info(`resync ${summary.status}: ${summary.totals.records} records`);
  } finally {
    metrics.syncRun(integration.name, status, (performance.now() - started) / 1000);
  }
}

/** `--public-url` joined with `webhooks.path`: `https://hooks.example/` + `/webhooks/github`. */
function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}
