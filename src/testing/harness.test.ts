import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../integrations/github/simulator/start.js';
import { replayToTempCatalog, startBuiltInSimulator, syncToTempCatalog, tempCatalog } from './harness.js';

const github = fileURLToPath(new URL('../../integrations/github', import.meta.url));
const size = { orgs: 1, reposPerOrg: 2, prsPerRepo: 1 };

describe('inlet/testing helpers', () => {
  it('syncs a built-in simulator into a temporary catalog and reads the entities back', async () => {
    await using sim = await startBuiltInSimulator('github', { size });
    const { summary, entities } = await syncToTempCatalog(github, { set: sim.settings });
    expect(summary.status).toBe('succeeded');
    expect(entities.filter((e) => e.blueprint === 'githubRepository')).toHaveLength(2);
  });

  it('keeps one temporary catalog across syncs, reads it by blueprint and removes it at block end', async () => {
    let db = '';
    let url = '';
    {
      // A start function keeps its simulator's own type: `data` is GitHub's.
      await using sim = await startBuiltInSimulator(startSimulator, { seed: 2, size });
      await using catalog = await tempCatalog();
      ({ db } = catalog);
      url = sim.url;
      expect((await catalog.sync(github, { set: sim.settings })).totals.deleted).toBe(0);
      const second = await catalog.sync(github, { set: [...sim.settings, 'prState=closed'] });
      // The open pull request stored by the first sync is gone after a sync that reads closed ones.
      expect(second.totals.deleted).toBe(sim.data.pulls.filter((p) => p.state === 'open').length);
      const repos = await catalog.entities('githubRepository');
      expect(repos.map((e) => e.identifier).sort()).toEqual(sim.data.repos.map((r) => r.fullName).sort());
      expect((await catalog.entities()).length).toBeGreaterThan(repos.length);
      expect(existsSync(db)).toBe(true);
    }
    expect(existsSync(db)).toBe(false);
    await expect(fetch(`${url}/rate_limit`)).rejects.toThrow();
  });

  it('replays the committed cassettes offline into a temporary catalog, stopped by await using', async () => {
    let url = '';
    {
      await using replayed = await replayToTempCatalog(github);
      url = replayed.replay.url;
      expect(replayed.summary.status).toBe('succeeded');
      expect(replayed.entities.map((e) => e.identifier)).toContain('acme');
      expect(replayed.replay.unmatched).toEqual([]);
    }
    await expect(fetch(url)).rejects.toThrow();
  });

  it('names an unknown simulator', async () => {
    await expect(startBuiltInSimulator('gitlab')).rejects.toThrow(
      /no simulator for "gitlab" \(built-ins: github, jira/,
    );
  });
});
