import { afterEach, describe, expect, it } from 'vitest';
import {
  type RapidproSimulator,
  SIMULATOR_TOKEN,
  startRapidproSimulator,
} from '../integrations/rapidpro/simulator/start.js';
import { flowsModifiedBetween, getFlow, rapidproClient } from './rapidpro.js';

let sim: RapidproSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('examples/rapidpro', () => {
  it('gets one flow by uuid, and undefined for a uuid the workspace does not have', async () => {
    sim = await startRapidproSimulator({ seed: 4, size: { flows: 15 } });
    const client = rapidproClient({ baseUrl: sim.url, token: SIMULATOR_TOKEN });
    try {
      const upstream = sim.workspace.flows.find((f) => f.is_active);
      const flow = await getFlow(client, upstream?.uuid ?? '');
      expect(flow).toMatchObject({ uuid: upstream?.uuid, name: upstream?.name, runs: upstream?.runs });
      expect(await getFlow(client, '00000000-0000-4000-8000-000000000000')).toBeUndefined();
      expect(sim.hits).toContain(`/api/v2/flows.json?uuid=${upstream?.uuid}`);
    } finally {
      await client.close();
    }
  });

  it('reads the flows of a date range across several pages', async () => {
    sim = await startRapidproSimulator({ seed: 5, size: { flows: 60, pageSize: 7 } });
    const client = rapidproClient({ baseUrl: sim.url, token: SIMULATOR_TOKEN });
    try {
      const dates = sim.workspace.flows.map((f) => f.modified_on).sort();
      const after = dates[10] ?? '';
      const before = dates[45] ?? '';
      const flows = await flowsModifiedBetween(client, { after, before });
      const want = sim.workspace.flows
        .filter((f) => f.is_active && f.modified_on >= after && f.modified_on <= before)
        .map((f) => f.uuid)
        .sort();
      expect(flows.map((f) => String(f.uuid)).sort()).toEqual(want);
      expect(want.length).toBeGreaterThan(14);
      expect(sim.hits.filter((h) => h.includes('cursor=')).length).toBeGreaterThanOrEqual(2);
    } finally {
      await client.close();
    }
  });

  it('fails with E_AUTH on a wrong token', async () => {
    sim = await startRapidproSimulator({ size: { flows: 2 } });
    const client = rapidproClient({ baseUrl: sim.url, token: 'wrong' });
    try {
      await expect(flowsModifiedBetween(client, {})).rejects.toMatchObject({ code: 'E_AUTH' });
    } finally {
      await client.close();
    }
  });
});
