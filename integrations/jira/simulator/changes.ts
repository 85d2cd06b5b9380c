/**
 * Simulated changes for `inlet mock jira --send-webhooks`: an issue's summary edited, a project
 * renamed, in turn, each with the delivery Jira would send (developer.atlassian.com/cloud/jira/
 * platform/webhooks: `timestamp`, `webhookEvent`, the whole issue with a changelog; project events
 * carry the project's summary fields only, so the manifest reads projects back with `get`).
 */
import type { Clock } from '../../../src/http/clock.js';
import { jiraDelivery } from '../../../src/testing/webhook-sender.js';
import type { SimulatedChange } from '../../registry.js';
import type { JiraData } from './data.js';
import { renderIssue, renderProject, renderUser } from './render.js';

export function jiraChanges(state: {
  data: JiraData;
  url: string;
  clock: Clock;
}): (options?: { secret?: string }) => SimulatedChange {
  const { data, url } = state;
  let count = 0;
  let last = 0;
  const now = () => {
    last = Math.max(last + 1, state.clock.now());
    return last;
  };
  const user = () => (data.users[0] ? renderUser(url, data.users[0]) : {});

  const issueUpdated = (n: number, secret?: string): SimulatedChange => {
    const issue = data.issues[(n * 3) % data.issues.length];
    if (!issue) throw new Error('jira simulator: no issue to edit');
    const from = issue.summary;
    issue.summary = `${from.replace(/ \(edited \d+\)$/, '')} (edited ${n + 1})`;
    issue.updated = now();
    const payload = {
      timestamp: issue.updated,
      webhookEvent: 'jira:issue_updated',
      issue_event_type_name: 'issue_generic',
      user: user(),
      issue: renderIssue(url, data, issue, () => true),
      changelog: {
        id: String(10_000 + n),
        items: [
          {
            field: 'summary',
            fieldtype: 'jira',
            fieldId: 'summary',
            from: null,
            fromString: from,
            to: null,
            toString: issue.summary,
          },
        ],
      },
    };
    return { description: `issue ${issue.key} updated`, delivery: jiraDelivery({ payload, secret }) };
  };

  const projectUpdated = (n: number, secret?: string): SimulatedChange => {
    const project = data.projects[n % data.projects.length];
    if (!project) throw new Error('jira simulator: no project to rename');
    project.name = `${project.name.replace(/ \(renamed \d+\)$/, '')} (renamed ${n + 1})`;
    const full = renderProject(url, project);
    const payload = {
      timestamp: now(),
      webhookEvent: 'project_updated',
      project: { self: full.self, id: full.id, key: full.key, name: full.name, avatarUrls: full.avatarUrls },
    };
    return { description: `project ${project.key} updated`, delivery: jiraDelivery({ payload, secret }) };
  };

  return (options = {}) => {
    const n = count++;
    return (n % 2 === 0 ? issueUpdated : projectUpdated)(n, options.secret);
  };
}
