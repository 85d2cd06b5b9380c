/**
 * Inlet's public API: the HTTP client and its parts, and the error hierarchy.
 * @example
 * import { createClient, bearerAuth, isInletError } from 'inlet';
 */

export { type CatalogStore, type Entity, openCatalog, type StoredEntity } from './catalog/index.js';
export * from './errors/errors.js';
export { type BroadcastOptions, broadcast, fanOut, mergeBounded, RunMemo } from './http/async/index.js';
export { type Auth, apiKeyAuth, basicAuth, bearerAuth, noAuth, oauth2Auth } from './http/auth/index.js';
export {
  type BudgetDecision,
  type BudgetKey,
  type BudgetReport,
  type BudgetRules,
  type BudgetStore,
  type BudgetWaitCause,
  memoryBudgetStore,
} from './http/budget-store.js';
export {
  type Client,
  type ClientOptions,
  type ClientResponse,
  createClient,
  type PaginateOptions,
  type RequestOptions,
} from './http/client.js';
export { type Clock, type Random, systemClock } from './http/clock.js';
export { parseDuration } from './http/duration.js';
export {
  createLogger,
  type LogBindings,
  type Logger,
  type LoggerOptions,
  withLogContext,
} from './http/log.js';
export type { Page, PageRequest, PaginateSpec, Paginator, Selector } from './http/pagination/index.js';
export type { RetryOptions } from './http/retry.js';
export {
  compose,
  type EventSink,
  type Handler,
  type HttpEvent,
  type HttpRequest,
  type HttpResponse,
  type Policy,
} from './http/types.js';
export { type LoadedManifest, loadManifest, loadMappingFile } from './manifest/load.js';
export type { Manifest, MappingSpec } from './manifest/schema.js';
export { type CompiledMapping, compileMapping } from './mapping/compile-mapping.js';
export { mapPage } from './mapping/map-page.js';
export { type RedisBudgetStore, type RedisBudgetStoreOptions, redisBudgetStore } from './queue/index.js';
export type { KindSummary, SyncSummary } from './sync/engine.js';
export type { LeaseSettings } from './sync/lease.js';
export {
  type Integration,
  type OpenOptions,
  openIntegration,
  type RunOptions,
} from './sync/open-integration.js';
export type { KindPlanData, PlanData } from './sync/plan.js';
export { type SyncIntegrationOptions, syncIntegration } from './sync/sync-integration.js';
