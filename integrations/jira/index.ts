import type { BuiltIn } from '../registry.js';
import { jiraRateLimitAnswer } from './simulator/jira-faults.js';
import { startJiraSimulator } from './simulator/start.js';

/** Jira Cloud: projects and issues (REST v3), with a loopback simulator for `inlet mock jira`. */
export const jira: BuiltIn = {
  name: 'jira',
  title: 'Jira Cloud',
  startSimulator: startJiraSimulator,
  rateLimitAnswer: jiraRateLimitAnswer,
};
