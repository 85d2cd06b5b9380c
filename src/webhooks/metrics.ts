/**
 * The Prometheus metrics of `inlet serve` (and `inlet worker`), docs/webhooks.md "Metrics": one
 * prom-client Registry per process (never the global one, so tests and embedders do not share
 * counters). Labels carry only integration names, kinds, outcomes and status codes: never a URL,
 * header or value, so no secret can reach /metrics.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EventSink } from '../http/types.js';
import type { ApplyMetrics } from './types.js';

/** How a delivery was answered; `error` is a verified delivery the server could not handle (5xx). */
export type DeliveryOutcome =
  | 'accepted'
  | 'duplicate'
  | 'ignored'
  | 'rejected'
  | 'too_large'
  | 'invalid'
  | 'error';

/** Every Inlet metric, on its own registry. */
export interface InletMetrics {
  readonly registry: Registry;
  /** One delivery answered, and (for a 2xx) the time from receipt to the answer. */
  delivery(integration: string, outcome: DeliveryOutcome, ackSeconds?: number): void;
  /** An ApplyMetrics for one integration's inbox applier. */
  applier(integration: string): ApplyMetrics;
  /** One resync ended. */
  syncRun(integration: string, status: string, seconds: number): void;
  /** An EventSink feeding the HTTP counters (pass it as connect's / sync's `onEvent`). */
  httpEvents(integration: string): EventSink;
  /** The Prometheus text exposition, and its content type. */
  expose(): Promise<{ contentType: string; text: string }>;
}

/** Receipt-to-2xx buckets: the target is milliseconds, a slow disk shows up in seconds. */
const ACK_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const SYNC_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600];

/**
 * A fresh registry with the contract's metrics.
 * @example
 * const metrics = createMetrics();
 * metrics.delivery('github', 'accepted', 0.002);
 * (await metrics.expose()).text; // '# HELP inlet_webhook_deliveries_total …'
 */
export function createMetrics(): InletMetrics {
  const registry = new Registry();
  const registers = [registry];
  const deliveries = new Counter({
    name: 'inlet_webhook_deliveries_total',
    help: 'Webhook deliveries received, by how they were answered',
    labelNames: ['integration', 'outcome'] as const,
    registers,
  });
  const applied = new Counter({
    name: 'inlet_webhook_applied_total',
    help: 'Inbox entries applied to the catalog, by kind and result',
    labelNames: ['integration', 'kind', 'result'] as const,
    registers,
  });
  const pending = new Gauge({
    name: 'inlet_webhook_inbox_pending',
    help: 'Inbox entries waiting to be applied',
    labelNames: ['integration'] as const,
    registers,
  });
  const dead = new Gauge({
    name: 'inlet_webhook_dead',
    help: 'Inbox entries that failed every try',
    labelNames: ['integration'] as const,
    registers,
  });
  const ack = new Histogram({
    name: 'inlet_webhook_ack_seconds',
    help: 'Time from receiving a delivery to its 2xx answer',
    labelNames: ['integration'] as const,
    buckets: ACK_BUCKETS,
    registers,
  });
  const syncRuns = new Counter({
    name: 'inlet_sync_runs_total',
    help: 'Resync runs, by final status',
    labelNames: ['integration', 'status'] as const,
    registers,
  });
  const syncDuration = new Histogram({
    name: 'inlet_sync_duration_seconds',
    help: 'Resync run duration',
    labelNames: ['integration'] as const,
    buckets: SYNC_BUCKETS,
    registers,
  });
  const requests = new Counter({
    name: 'inlet_http_requests_total',
    help: 'HTTP requests to the API, by status (or error code when no response arrived)',
    labelNames: ['integration', 'status'] as const,
    registers,
  });
  const retries = new Counter({
    name: 'inlet_http_retries_total',
    help: 'HTTP requests retried',
    labelNames: ['integration'] as const,
    registers,
  });
  const rateWait = new Counter({
    name: 'inlet_rate_limit_wait_seconds_total',
    help: 'Time spent waiting for the rate limit',
    labelNames: ['integration'] as const,
    registers,
  });

  return {
    registry,
    delivery(integration, outcome, ackSeconds) {
      deliveries.inc({ integration, outcome });
      if (ackSeconds !== undefined) ack.observe({ integration }, ackSeconds);
    },
    applier: (integration) => ({
      applied: (kind, result) => applied.inc({ integration, kind, result }),
      inbox: (counts) => {
        pending.set({ integration }, counts.pending);
        dead.set({ integration }, counts.dead);
      },
    }),
    syncRun(integration, status, seconds) {
      syncRuns.inc({ integration, status });
      syncDuration.observe({ integration }, seconds);
    },
    httpEvents: (integration) => (event) => {
      if (event.type === 'request') {
        requests.inc({ integration, status: String(event.status ?? event.error ?? 'error') });
      } else if (event.type === 'retry') retries.inc({ integration });
      else if (event.type === 'rate-limit-wait') rateWait.inc({ integration }, event.waitMs / 1000);
    },
    async expose() {
      return { contentType: registry.contentType, text: await registry.metrics() };
    },
  };
}
