import { afterEach, describe, expect, it } from 'vitest';
import { type OctopusSimulator, SIMULATOR_API_KEY, startOctopusSimulator } from './index.js';

interface Collection {
  ItemType: string;
  TotalResults: number;
  ItemsPerPage: number;
  NumberOfPages: number;
  LastPageNumber: number;
  Items: Array<Record<string, unknown>>;
  Links: Record<string, string>;
}

describe('octopus simulator', () => {
  let sim: OctopusSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });
  const get = async (path: string) => {
    if (!sim) throw new Error('no simulator');
    return fetch(`${sim.url}${path}`, { headers: { 'X-Octopus-ApiKey': SIMULATOR_API_KEY } });
  };
  const page = async (path: string) => (await (await get(path)).json()) as Collection;

  it('pages collections with skip/take in the Octopus envelope, default take 30, empty past the end', async () => {
    sim = await startOctopusSimulator({ size: { spaces: 1, projectsPerSpace: 35, releasesPerProject: 1 } });
    const first = await page('/api/Spaces-1/projects');
    expect(first).toMatchObject({
      ItemType: 'Project',
      TotalResults: 35,
      ItemsPerPage: 30,
      NumberOfPages: 2,
    });
    expect(first.LastPageNumber).toBe(1);
    expect(first.Items).toHaveLength(30);
    expect(first.Links['Page.Next']).toBe('/api/Spaces-1/projects?skip=30&take=30');
    expect(first.Links['Page.Last']).toBe('/api/Spaces-1/projects?skip=30&take=30');
    const last = await page('/api/Spaces-1/projects?skip=30&take=30');
    expect(last.Items.map((p) => p.Id)).toEqual([
      'Projects-31',
      'Projects-32',
      'Projects-33',
      'Projects-34',
      'Projects-35',
    ]);
    expect(last.Links['Page.Next']).toBeUndefined();
    const past = await page('/api/Spaces-1/projects?skip=60&take=30');
    expect(past).toMatchObject({ TotalResults: 35, Items: [] });
    expect((await get('/api/Spaces-1/projects?skip=-1')).status).toBe(400);
    expect((await get('/api/Spaces-9/projects')).status).toBe(404);
  });

  it('lists releases and deployments newest first; deployments filtered by projects', async () => {
    sim = await startOctopusSimulator({ size: { spaces: 1, projectsPerSpace: 3, releasesPerProject: 12 } });
    const releases = await page('/api/Spaces-1/projects/Projects-1/releases?take=100');
    expect(releases.TotalResults).toBe(12);
    const assembled = releases.Items.map((r) => Date.parse(String(r.Assembled)));
    expect(assembled).toEqual([...assembled].sort((a, b) => b - a));
    expect(releases.Items.every((r) => r.ProjectId === 'Projects-1' && r.SpaceId === 'Spaces-1')).toBe(true);
    // The second project of a space has no releases: an empty collection, not an error.
    expect(await page('/api/Spaces-1/projects/Projects-2/releases')).toMatchObject({
      TotalResults: 0,
      Items: [],
    });

    const deployments = await page('/api/Spaces-1/deployments?projects=Projects-1&take=1000');
    const expected = sim.data.deployments.filter((d) => d.ProjectId === 'Projects-1');
    expect(deployments.TotalResults).toBe(expected.length);
    const created = deployments.Items.map((d) => Date.parse(String(d.Created)));
    expect(created).toEqual([...created].sort((a, b) => b - a));
    const all = await page('/api/Spaces-1/deployments?take=1000');
    expect(all.TotalResults).toBe(sim.data.deployments.length);
  });

  it("answers its rate-limit faults in Octopus Cloud's shape: 429 and 503 with Retry-After", async () => {
    sim = await startOctopusSimulator({ faults: { rate: 1, kinds: ['429'], retryAfterSeconds: 2 } });
    const limited = await get('/api/spaces');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(((await limited.json()) as { ErrorMessage: string }).ErrorMessage).toMatch(/Too many requests/);
    await sim.close();

    sim = await startOctopusSimulator({ faults: { rate: 1, kinds: ['503'] } });
    const unavailable = await get('/api/spaces');
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBe('1');
    expect(await unavailable.json()).toMatchObject({
      ErrorMessage: expect.stringMatching(/unavailable/),
      Errors: [],
    });
    // Never the same URL twice in a row: the retry passes.
    expect((await get('/api/spaces')).status).toBe(200);
  });

  it('listens on a requested port and refuses an unknown size knob', async () => {
    const probe = await startOctopusSimulator({ size: { spaces: 1 } });
    const port = probe.port;
    await probe.close();
    sim = await startOctopusSimulator({ port, size: { spaces: 1 } });
    expect(sim.url).toBe(`http://127.0.0.1:${port}`);
    expect(sim.settings).toEqual([`baseUrl=${sim.url}`, `apiKey=${SIMULATOR_API_KEY}`]);
    await expect(startOctopusSimulator({ size: { projects: 3 } })).rejects.toThrow(/unknown size "projects"/);
  });
});
