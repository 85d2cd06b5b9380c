import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { serve } from './serve.js';
import { githubDelivery, jiraDelivery, octopusDelivery, sendDelivery } from './webhook-sender.js';

describe('webhook deliveries', () => {
  it("signs GitHub's documented test vector", () => {
    // docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
    const delivery = githubDelivery({
      event: 'ping',
      body: 'Hello, World!',
      secret: "It's a Secret to Everybody",
    });
    expect(delivery.headers['X-Hub-Signature-256']).toBe(
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
  });

  it('GitHub: event, a GUID delivery id per delivery, no signature without a secret', () => {
    const a = githubDelivery({ event: 'repository', payload: { action: 'renamed' }, secret: 's' });
    const b = githubDelivery({ event: 'repository', payload: { action: 'renamed' }, secret: 's' });
    expect(a.body).toBe('{"action":"renamed"}');
    expect(a.headers['X-GitHub-Event']).toBe('repository');
    expect(a.headers['X-GitHub-Delivery']).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers['X-GitHub-Delivery']).not.toBe(b.headers['X-GitHub-Delivery']);
    expect(a.headers['X-Hub-Signature']).toMatch(/^sha1=[0-9a-f]{40}$/);
    expect(githubDelivery({ event: 'x', payload: {} }).headers['X-Hub-Signature-256']).toBeUndefined();
  });

  it('Jira signs sha256=, Octopus sends its shared secret header; sendDelivery POSTs the raw bytes', async () => {
    const seen: Array<{ headers: Record<string, string>; body: string }> = [];
    const app = new Hono();
    app.post('/hook', async (c) => {
      seen.push({ headers: Object.fromEntries(c.req.raw.headers), body: await c.req.text() });
      return c.json({ status: 'accepted' }, 202);
    });
    const server = await serve(app);
    try {
      const jira = jiraDelivery({
        payload: { webhookEvent: 'jira:issue_updated', timestamp: 1 },
        secret: 'k',
      });
      const octopus = octopusDelivery({ payload: { Payload: {} }, header: 'X-Octo-Secret', secret: 'shh' });
      expect(await sendDelivery(`${server.url}/hook`, jira)).toEqual({
        status: 202,
        body: '{"status":"accepted"}',
      });
      await sendDelivery(`${server.url}/hook`, octopus);
      expect(seen[0]?.body).toBe(jira.body);
      expect(seen[0]?.headers['x-hub-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(seen[0]?.headers['x-atlassian-webhook-identifier']).toBe(
        jira.headers['X-Atlassian-Webhook-Identifier'],
      );
      expect(seen[1]?.headers['x-octo-secret']).toBe('shh');
    } finally {
      await server.close();
    }
  });
});
