import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifest } from '../../src/manifest/load.js';
import { checkConnection } from '../../src/sync/check-connection.js';
import { syncToTempCatalog } from '../../src/testing/harness.js';
import { FORBIDDEN_API_KEY, type OctopusSimulator, startOctopusSimulator } from './simulator/index.js';

const DIR = fileURLToPath(new URL('.', import.meta.url));
const MANIFEST = join(DIR, 'inlet.yaml');

describe('octopus: credentials', () => {
  let sim: OctopusSimulator;
  const withKey = (key: string) => [`baseUrl=${sim.url}`, `apiKey=${key}`];

  beforeAll(async () => {
    sim = await startOctopusSimulator({ size: { spaces: 1, projectsPerSpace: 2, releasesPerProject: 3 } });
  });
  afterAll(() => sim.close());

  it('checks a valid key as ok, with one request', async () => {
    const result = await checkConnection(await loadManifest(MANIFEST, { set: sim.settings }));
    expect(result.verdict).toBe('ok');
    expect(sim.hits.at(-1)).toBe('/api/spaces?take=1');
  });

  it('answers a wrong key with 401 and Octopus error body, never echoing the key', async () => {
    const res = await fetch(`${sim.url}/api/spaces`, { headers: { 'X-Octopus-ApiKey': 'API-WRONG' } });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { ErrorMessage: string; Errors: string[] };
    expect(body.ErrorMessage).toMatch(/provide a valid API key/);
    expect(body.Errors).toEqual([]);
    expect(JSON.stringify(body)).not.toContain('API-WRONG');
  });

  it('gives "bad credentials" for a wrong key, and a failed sync with E_AUTH and zero entities', async () => {
    const result = await checkConnection(await loadManifest(MANIFEST, { set: withKey('API-WRONGKEY') }));
    expect(result).toMatchObject({ verdict: 'bad credentials', status: 401, code: 'E_AUTH' });

    const { summary, entities } = await syncToTempCatalog(DIR, { set: withKey('API-WRONGKEY') });
    expect(summary.status).toBe('failed');
    expect(summary.kinds.find((k) => k.kind === 'space')?.error).toMatch(/^E_AUTH/);
    expect(JSON.stringify(summary)).not.toContain('API-WRONGKEY');
    expect(entities).toEqual([]);
  });

  it('gives "forbidden" for a valid key without permission (403 with the missing permission named)', async () => {
    const result = await checkConnection(await loadManifest(MANIFEST, { set: withKey(FORBIDDEN_API_KEY) }));
    expect(result).toMatchObject({ verdict: 'forbidden', status: 403, code: 'E_FORBIDDEN' });
    const res = await fetch(`${sim.url}/api/spaces`, { headers: { 'X-Octopus-ApiKey': FORBIDDEN_API_KEY } });
    expect(((await res.json()) as { ErrorMessage: string }).ErrorMessage).toMatch(
      /Missing permission: SpaceView/,
    );
  });
});
