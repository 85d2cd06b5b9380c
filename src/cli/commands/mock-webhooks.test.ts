import { createHmac } from 'node:crypto';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { type GithubSimulator, startSimulator } from '../../../integrations/github/simulator/start.js';
import { serve } from '../../testing/serve.js';
import { sendWebhooks } from './mock-webhooks.js';

describe('inlet mock --send-webhooks', () => {
  let sim: GithubSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
  });

  it('POSTs one signed delivery per change and prints the answer; a receiver that is down is reported', async () => {
    sim = await startSimulator({ size: { orgs: 1, reposPerOrg: 3, prsPerRepo: 2 } });
    const received: Array<{ event?: string; valid: boolean }> = [];
    const app = new Hono();
    app.post('/webhooks/github', async (c) => {
      const body = await c.req.text();
      const expected = `sha256=${createHmac('sha256', 's3').update(body).digest('hex')}`;
      received.push({
        event: c.req.header('x-github-event'),
        valid: c.req.header('x-hub-signature-256') === expected,
      });
      return c.json({ status: 'accepted' }, 202);
    });
    const receiver = await serve(app);
    let out = '';
    const io = {
      stdout: (t: string) => {
        out += t;
      },
      stderr: () => {},
    };
    try {
      await sendWebhooks(
        sim,
        `${receiver.url}/webhooks/github`,
        { webhookSecret: 's3', webhookChanges: '2' },
        io,
      );
    } finally {
      await receiver.close();
    }
    expect(received).toEqual([
      { event: 'pull_request', valid: true },
      { event: 'repository', valid: true },
    ]);
    expect(out).toMatch(
      /^webhook: pull request \S+ edited: 202 \{"status":"accepted"\}\nwebhook: repository \S+ renamed to \S+: 202/,
    );

    let down = '';
    await sendWebhooks(
      sim,
      receiver.url,
      { webhookChanges: '1' },
      {
        stdout: (t) => {
          down += t;
        },
        stderr: () => {},
      },
    );
    expect(down).toMatch(/not delivered/);
    await expect(sendWebhooks(sim, 'ftp://x', { webhookChanges: '1' }, io)).rejects.toThrow(
      /--send-webhooks/,
    );
    await expect(sendWebhooks(sim, receiver.url, { webhookChanges: '-1' }, io)).rejects.toThrow(
      /--webhook-changes/,
    );
  });
});
