import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { StoredEntity } from '../../src/catalog/index.js';
import type { HttpEvent } from '../../src/http/types.js';
import type { FaultKind } from '../../src/testing/faults.js';
import { startBuiltInSimulator, syncToTempCatalog } from '../../src/testing/harness.js';
import { newestFirst, type OctopusData } from './simulator/data.js';
import { startOctopusSimulator } from './simulator/index.js';

const DIR = fileURLToPath(new URL('.', import.meta.url));
const MAX_HISTORY = 33;
/**
 * 32 projects per space: two pages of projects (take=30). Up to 40 releases and ~2 deployments per
 * release: chains of two pages, some above MAX_HISTORY (the cap and its warning), some empty.
 */
const SIZE = {
  spaces: 2,
  projectsPerSpace: 32,
  releasesPerProject: 40,
  deploymentsPerRelease: 2,
  machinesPerSpace: 3,
};

const FIVE_XX: FaultKind[] = ['500', '502', 'reset', '500', '502'];

type Expected = Record<string, Record<string, Record<string, unknown>>>;

/** What the default mapping should store for `data`: identifier → relations, per blueprint. */
function expectedEntities(data: OctopusData, maxHistory: number): Expected {
  const latest = <T extends { ProjectId: string }>(list: T[], at: (x: T) => string) =>
    data.projects.flatMap((p) =>
      newestFirst(
        list.filter((x) => x.ProjectId === p.Id),
        at,
      ).slice(0, maxHistory),
    );
  const by = <T extends { Id: string }>(list: T[], relations: (x: T) => Record<string, unknown>) =>
    Object.fromEntries(list.map((x) => [x.Id, relations(x)]));
  return {
    octopusSpace: by(data.spaces, () => ({})),
    octopusProject: by(data.projects, (p) => ({ space: p.SpaceId })),
    octopusRelease: by(
      latest(data.releases, (r) => r.Assembled),
      (r) => ({ project: r.ProjectId }),
    ),
    octopusDeployment: by(
      latest(data.deployments, (d) => d.Created),
      (d) => ({
        project: d.ProjectId,
        release: d.ReleaseId,
      }),
    ),
    octopusMachine: by(data.machines, (m) => ({ space: m.SpaceId })),
  };
}

function stored(entities: StoredEntity[]): Expected {
  const out: Expected = {};
  for (const e of entities) {
    out[e.blueprint] ??= {};
    (out[e.blueprint] as Record<string, Record<string, unknown>>)[e.identifier] = e.relations;
  }
  return out;
}

const countPer = <T extends { ProjectId: string }>(data: OctopusData, list: T[]) =>
  data.projects.map((p) => ({ project: p, count: list.filter((x) => x.ProjectId === p.Id).length }));

describe('octopus: full sync of the simulator', () => {
  it('stores exactly the expected entities and relations through 20% faults, capped at maxHistory with warnings', async () => {
    await using sim = await startBuiltInSimulator(startOctopusSimulator, {
      seed: 7,
      size: SIZE,
      // Mostly 5xx and resets; one in six Octopus Cloud's 429 / 503 with Retry-After: 1, which pauses
      // the whole server in real time (syncIntegration's client runs on the system clock, so does the simulator).
      faults: { rate: 0.2, seed: 11, kinds: [...FIVE_XX, ...FIVE_XX, '429', '503'] },
    });
    const { data } = sim;
    const releases = countPer(data, data.releases);
    const deployments = countPer(data, data.deployments);
    // The dataset exercises what the test claims: caps, empty chains, second pages.
    expect(releases.some((r) => r.count > MAX_HISTORY)).toBe(true);
    expect(releases.some((r) => r.count === 0)).toBe(true);
    expect(releases.some((r) => r.count > 30 && r.count < MAX_HISTORY)).toBe(true);
    expect(deployments.some((d) => d.count > MAX_HISTORY)).toBe(true);

    const warnings: string[] = [];
    const events: HttpEvent[] = [];
    const { summary, entities } = await syncToTempCatalog(DIR, {
      set: [...sim.settings, `maxHistory=${MAX_HISTORY}`],
      onWarning: (w) => warnings.push(w),
      onEvent: (e) => events.push(e),
    });

    // A history cut at maxHistory is a partial read: stored, never a basis for deleting older ones.
    const notSucceeded = summary.kinds.filter((k) => k.status !== 'succeeded');
    expect(notSucceeded.map((k) => [k.kind, k.status])).toEqual([
      ['release', 'partial'],
      ['deployment', 'partial'],
    ]);
    for (const k of notSucceeded) expect(k.reason).toMatch(/maxItemsPerChain \(\d+\) reached/);
    expect(summary.status).toBe('succeeded');
    expect(stored(entities)).toEqual(expectedEntities(data, MAX_HISTORY));

    // Faults were met and ridden out, Octopus's own rate-limit answers among them.
    const statuses = events.flatMap((e) => (e.type === 'request' && e.status ? [e.status] : []));
    expect(statuses.filter((s) => s === 429 || s === 503).length).toBeGreaterThan(0);
    expect(summary.totals.retries).toBeGreaterThan(0);

    // A warning for every release chain cut at the cap; none for a project below it.
    const releaseWarnings = warnings.filter((w) => w.startsWith('release: maxItemsPerChain'));
    const warnedPath = (id: string) => releaseWarnings.some((w) => w.includes(`/projects/${id}/releases`));
    for (const { project, count } of releases) {
      if (count > MAX_HISTORY) expect(warnedPath(project.Id), project.Id).toBe(true);
      if (count < MAX_HISTORY) expect(warnedPath(project.Id), project.Id).toBe(false);
    }
    // Deployment chains share a path (the project is in the query), so count them.
    const deploymentWarnings = warnings.filter((w) => w.startsWith('deployment: maxItemsPerChain')).length;
    expect(deploymentWarnings).toBeGreaterThanOrEqual(
      deployments.filter((d) => d.count > MAX_HISTORY).length,
    );
    expect(deploymentWarnings).toBeLessThanOrEqual(deployments.filter((d) => d.count >= MAX_HISTORY).length);

    // A capped chain stops: nothing past the page that reached maxHistory is requested.
    const offsets = sim.hits.flatMap((h) => {
      const skip = /\/releases\?.*skip=(\d+)/.exec(h)?.[1];
      return skip ? [Number(skip)] : [];
    });
    expect(Math.max(...offsets)).toBe(30);
  });

  it('reads everything with the default maxHistory (100) when no project exceeds it', async () => {
    await using sim = await startBuiltInSimulator(startOctopusSimulator, {
      seed: 3,
      size: {
        spaces: 1,
        projectsPerSpace: 3,
        releasesPerProject: 4,
        deploymentsPerRelease: 1,
        machinesPerSpace: 1,
      },
    });
    const warnings: string[] = [];
    const { summary, entities } = await syncToTempCatalog(DIR, {
      set: sim.settings,
      onWarning: (w) => warnings.push(w),
    });
    expect(summary.status).toBe('succeeded');
    expect(warnings).toEqual([]);
    expect(stored(entities)).toEqual(expectedEntities(sim.data, 100));
    const release = entities.find((e) => e.blueprint === 'octopusRelease');
    const upstream = sim.data.releases.find((r) => r.Id === release?.identifier);
    const project = sim.data.projects.find((p) => p.Id === upstream?.ProjectId);
    expect(release?.title).toBe(`${project?.Name} ${upstream?.Version}`);
    expect(release?.properties).toEqual({
      version: upstream?.Version,
      assembledDate: upstream?.Assembled,
      channelId: upstream?.ChannelId,
      releaseNotes: upstream?.ReleaseNotes,
      url: `${sim.url}/app#/${upstream?.SpaceId}/releases/${upstream?.Id}`,
    });
  });
});
