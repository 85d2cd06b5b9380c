import { createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openIntegration } from '../../src/sync/open-integration.js';
import { recordFetcher } from '../../src/webhooks/fetch-record.js';
import { type JiraSimulator, SIMULATOR_CREDENTIALS, startJiraSimulator } from './simulator/start.js';

const DIR = fileURLToPath(new URL('.', import.meta.url));
const basic = `Basic ${Buffer.from(`${SIMULATOR_CREDENTIALS.email}:${SIMULATOR_CREDENTIALS.apiToken}`).toString('base64')}`;

describe('jira simulator changes (inlet mock jira --send-webhooks)', () => {
  let sim: JiraSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
  });

  it("deliveries are signed and say what the API then serves (issues whole, projects through the kind's get)", async () => {
    sim = await startJiraSimulator({ size: { projects: 3, issuesPerProject: 4 } });
    const issueChange = sim.change({ secret: 'jsecret' });
    const { headers, body } = issueChange.delivery;
    expect(headers['X-Hub-Signature']).toBe(
      `sha256=${createHmac('sha256', 'jsecret').update(body).digest('hex')}`,
    );
    expect(headers['X-Atlassian-Webhook-Identifier']).toMatch(/^[0-9a-f-]{36}$/);
    const issue = JSON.parse(body) as {
      webhookEvent: string;
      issue: { key: string; fields: Record<string, unknown> };
    };
    expect(issue.webhookEvent).toBe('jira:issue_updated');
    const search = await fetch(
      `${sim.url}/rest/api/3/search/jql?${new URLSearchParams({ jql: `key = ${issue.issue.key}`, fields: '*all' })}`,
      { headers: { authorization: basic } },
    );
    const found = ((await search.json()) as { issues: Array<{ fields: unknown }> }).issues;
    expect(found.map((i) => i.fields)).toEqual([issue.issue.fields]);

    const projectChange = sim.change();
    const project = JSON.parse(projectChange.delivery.body) as {
      webhookEvent: string;
      project: { key: string; name: string };
    };
    expect(project.webhookEvent).toBe('project_updated');
    expect(projectChange.delivery.headers['X-Hub-Signature']).toBeUndefined();
    const jira = await openIntegration(DIR, { set: sim.settings });
    const client = jira.connect();
    try {
      const fetched = await recordFetcher(
        jira.loaded.manifest.resources,
        client,
        jira.loaded.settings.values,
      ).fetch('project', project.project);
      const listed = await client.get<{ values: Array<{ key: string }> }>('/rest/api/3/project/search');
      expect(fetched).toEqual(listed.data.values.find((p) => p.key === project.project.key));
      expect(fetched?.name).toBe(project.project.name);
    } finally {
      await client.close();
      await jira.close();
    }
  });
});
