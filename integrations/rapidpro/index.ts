import type { BuiltIn } from '../registry.js';
import { startRapidproSimulator } from './simulator/start.js';

/** RapidPro (API v2): flows, contact groups and contacts. */
export const rapidpro: BuiltIn = {
  name: 'rapidpro',
  title: 'RapidPro',
  startSimulator: startRapidproSimulator,
};
