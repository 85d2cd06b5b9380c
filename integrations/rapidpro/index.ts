import type { BuiltIn } from '../registry.js';
import { throttledBody } from './simulator/app.js';
import { startRapidproSimulator } from './simulator/start.js';

/** RapidPro (API v2): flows, contact groups and contacts. */
export const rapidpro: BuiltIn = {
  name: 'rapidpro',
  title: 'RapidPro',
  startSimulator: startRapidproSimulator,
  // Django REST framework's throttle: 429, Retry-After and a `detail` message (simulator/app.ts).
  rateLimitAnswer: (c, { retryAfterSeconds }) =>
    c.json(throttledBody(retryAfterSeconds), 429, { 'retry-after': String(retryAfterSeconds) }),
};
