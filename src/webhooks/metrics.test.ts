import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

const url = new URL('https://api.github.com/orgs/acme/repos?access_token=ghp_SECRET');

describe('createMetrics', () => {
  it('counts deliveries, applies, inbox gauges, syncs and the client’s HTTP events, on its own registry', async () => {
    const metrics = createMetrics();
    metrics.delivery('github', 'accepted', 0.004);
    metrics.delivery('github', 'rejected');
    const apply = metrics.applier('github');
    apply.applied('pull-request', 'upserted');
    apply.applied('pull-request', 'upserted');
    apply.inbox({ pending: 3, dead: 1 });
    metrics.syncRun('github', 'succeeded', 12);
    const sink = metrics.httpEvents('github');
    sink({ type: 'request', method: 'GET', url, attempt: 1, durationMs: 5, status: 200 });
    sink({ type: 'request', method: 'GET', url, attempt: 2, durationMs: 5, error: 'E_TIMEOUT' });
    sink({ type: 'retry', method: 'GET', url, attempt: 1, delayMs: 500, reason: '502' });
    sink({ type: 'rate-limit-wait', origin: url.origin, waitMs: 1500, reason: 'remaining 0' });
    const { contentType, text } = await metrics.expose();
    expect(contentType).toMatch(/^text\/plain/);
    for (const line of [
      'inlet_webhook_deliveries_total{integration="github",outcome="accepted"} 1',
      'inlet_webhook_deliveries_total{integration="github",outcome="rejected"} 1',
      'inlet_webhook_ack_seconds_count{integration="github"} 1',
      'inlet_webhook_applied_total{integration="github",kind="pull-request",result="upserted"} 2',
      'inlet_webhook_inbox_pending{integration="github"} 3',
      'inlet_webhook_dead{integration="github"} 1',
      'inlet_sync_runs_total{integration="github",status="succeeded"} 1',
      'inlet_sync_duration_seconds_count{integration="github"} 1',
      'inlet_http_requests_total{integration="github",status="200"} 1',
      'inlet_http_requests_total{integration="github",status="E_TIMEOUT"} 1',
      'inlet_http_retries_total{integration="github"} 1',
      'inlet_rate_limit_wait_seconds_total{integration="github"} 1.5',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
    expect(text).not.toContain('SECRET');
    // A second registry starts from zero: nothing is shared through prom-client's global one.
    expect((await createMetrics().expose()).text).not.toContain('outcome="accepted"');
  });
});
