import type { BuiltIn } from '../registry.js';
import { githubRateLimitAnswer } from './simulator/rate-limit.js';
import { startSimulator } from './simulator/start.js';

/** The GitHub integration: organizations, repositories and pull requests (REST API v3). */
export const github: BuiltIn = {
  name: 'github',
  title: 'GitHub',
  startSimulator,
  rateLimitAnswer: githubRateLimitAnswer,
};
