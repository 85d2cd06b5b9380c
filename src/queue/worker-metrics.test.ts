import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createWorkerMetrics, serveWorkerMetrics } from './worker-metrics.js';

describe('inlet worker /healthz and /metrics', () => {
  it('serves prom-client text with the inlet_sync_* and inlet_http_* names, and 503 while stopping', async () => {
    const metrics = createWorkerMetrics();
    let healthy = true;
    const server = await serveWorkerMetrics(metrics, 0, () => healthy);
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      metrics.httpEvent('github', {
        type: 'request',
        method: 'GET',
        url: new URL('https://api.github.com/orgs/acme'),
        attempt: 1,
        durationMs: 3,
        status: 200,
      });
      metrics.httpEvent('github', {
        type: 'rate-limit-wait',
        origin: 'https://api.github.com',
        waitMs: 1500,
        reason: 'quota',
      });
      metrics.jobDone({ run: '1-ab', kind: 'repository', chain: 0 }, 'completed', { records: 7 }, 20);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const text = await (await fetch(`${base}/metrics`)).text();
      expect(text).toMatch(/^inlet_http_requests_total\{integration="github",status="200"\} 1$/m);
      expect(text).toMatch(/^inlet_rate_limit_wait_seconds_total\{integration="github"\} 1.5$/m);
      expect(text).toMatch(/^inlet_sync_jobs_total\{kind="repository",outcome="completed"\} 1$/m);
      expect(text).toMatch(/^inlet_sync_records_total\{kind="repository"\} 7$/m);
      healthy = false;
      expect((await fetch(`${base}/healthz`)).status).toBe(503);
      expect((await fetch(`${base}/nothing`)).status).toBe(404);
    } finally {
      server.close();
    }
  });
});
