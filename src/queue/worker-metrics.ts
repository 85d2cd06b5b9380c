/**
 * `/healthz` and `/metrics` of `inlet worker` (prom-client text format), with the `inlet_sync_*` and
 * `inlet_http_*` names of the metrics table (docs: README "Running on several machines").
 */
import { createServer, type Server } from 'node:http';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { HttpEvent } from '../http/types.js';
import type { JobResult } from '../sync/sync-job.js';
import type { QueueJobData } from './run-spec.js';

export interface WorkerMetrics {
  registry: Registry;
  jobDone(job: QueueJobData, outcome: 'completed' | 'failed', result: unknown, ms: number): void;
  /** A client event of a job (requests by status, retries, rate-limit waits). */
  httpEvent(integration: string, event: HttpEvent): void;
}

export function createWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'inlet_worker_' });
  const jobs = new Counter({
    name: 'inlet_sync_jobs_total',
    help: 'Queued sync jobs finished by this worker',
    labelNames: ['kind', 'outcome'],
    registers: [registry],
  });
  const jobSeconds = new Histogram({
    name: 'inlet_sync_job_duration_seconds',
    help: 'Time a queued sync job took',
    labelNames: ['kind'],
    registers: [registry],
  });
  const records = new Counter({
    name: 'inlet_sync_records_total',
    help: 'Records read by queued sync jobs',
    labelNames: ['kind'],
    registers: [registry],
  });
  const requests = new Counter({
    name: 'inlet_http_requests_total',
    help: 'HTTP requests sent',
    labelNames: ['integration', 'status'],
    registers: [registry],
  });
  const retries = new Counter({
    name: 'inlet_http_retries_total',
    help: 'HTTP retries',
    labelNames: ['integration'],
    registers: [registry],
  });
  const waits = new Counter({
    name: 'inlet_rate_limit_wait_seconds_total',
    help: 'Time spent waiting for the rate budget',
    labelNames: ['integration'],
    registers: [registry],
  });
  return {
    registry,
    jobDone(job, outcome, result, ms) {
      jobs.inc({ kind: job.kind, outcome });
      jobSeconds.observe({ kind: job.kind }, ms / 1000);
      const read = (result as Partial<JobResult> | undefined)?.records;
      if (typeof read === 'number') records.inc({ kind: job.kind }, read);
    },
    httpEvent(integration, event) {
      if (event.type === 'request')
        requests.inc({ integration, status: String(event.status ?? event.error ?? 'sent') });
      else if (event.type === 'retry') retries.inc({ integration });
      else if (event.type === 'rate-limit-wait') waits.inc({ integration }, event.waitMs / 1000);
    },
  };
}

/** Serve `/healthz` (200 while `healthy()`, else 503) and `/metrics` on 127.0.0.1-or-all `port`. */
export async function serveWorkerMetrics(
  metrics: WorkerMetrics,
  port: number,
  healthy: () => boolean,
): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/healthz') {
      const ok = healthy();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'stopping\n');
    } else if (req.url === '/metrics') {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve());
  });
  return server;
}
