import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openIntegration } from '../../src/sync/open-integration.js';
import { type OctopusSimulator, startOctopusSimulator } from './simulator/index.js';

const DIR = fileURLToPath(new URL('.', import.meta.url));

describe('octopus: manifest and mapping', () => {
  let sim: OctopusSimulator;
  beforeAll(async () => {
    sim = await startOctopusSimulator({ size: { spaces: 1 } });
  });
  afterAll(() => sim.close());

  it('starts with the schema comment for editors', async () => {
    const text = await readFile(join(DIR, 'inlet.yaml'), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../../schema/inlet.schema.json');
  });

  it('loads with the simulator settings and compiles the mapping for every kind', async () => {
    const warnings: string[] = [];
    const { loaded, mapper } = await openIntegration(DIR, {
      set: sim.settings,
      onWarning: (w) => warnings.push(w),
    });
    expect(warnings).toEqual([]);
    expect(Object.keys(loaded.manifest.resources)).toEqual([
      'space',
      'project',
      'release',
      'deployment',
      'machine',
    ]);
    expect(loaded.settings.values).toMatchObject({ baseUrl: sim.url, maxHistory: 100 });
    const blueprints = Object.fromEntries(
      ['space', 'project', 'release', 'deployment', 'machine'].map((k) => [
        k,
        mapper.blueprintsOf(k).literals,
      ]),
    );
    expect(blueprints).toEqual({
      space: ['octopusSpace'],
      project: ['octopusProject'],
      release: ['octopusRelease'],
      deployment: ['octopusDeployment'],
      machine: ['octopusMachine'],
    });
  });

  it('caps releases and deployments per project at the maxHistory setting', async () => {
    const octopus = await openIntegration(DIR, { set: [...sim.settings, 'maxHistory=7'] });
    const plan = octopus.planData();
    const cap = Object.fromEntries(plan.kinds.map((k) => [k.kind, k.maxItemsPerChain]));
    expect(cap).toEqual({
      space: undefined,
      project: undefined,
      release: 7,
      deployment: 7,
      machine: undefined,
    });
  });

  it('refuses a maxHistory that is not a positive whole number before any request', async () => {
    const before = sim.hits.length;
    await expect(openIntegration(DIR, { set: [...sim.settings, 'maxHistory=0'] })).rejects.toThrow(
      /maxItemsPerChain/,
    );
    expect(sim.hits.length).toBe(before);
  });
});
