import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { replayToTempCatalog, startBuiltInSimulator, syncToTempCatalog } from './harness.js';

const github = fileURLToPath(new URL('../../integrations/github', import.meta.url));

describe('inlet/testing helpers', () => {
  it('syncs a built-in simulator into a temporary catalog and reads the entities back', async () => {
    const sim = await startBuiltInSimulator('github', { size: { orgs: 1, reposPerOrg: 2, prsPerRepo: 1 } });
    try {
      const { summary, entities } = await syncToTempCatalog(github, { set: sim.settings });
      expect(summary.status).toBe('succeeded');
      expect(entities.filter((e) => e.blueprint === 'githubRepository')).toHaveLength(2);
    } finally {
      await sim.close();
    }
  });

  it('replays the committed cassettes offline into a temporary catalog', async () => {
    const { entities, replay, summary } = await replayToTempCatalog(github);
    await replay.close();
    expect(summary.status).toBe('succeeded');
    expect(entities.map((e) => e.identifier)).toContain('acme');
    expect(replay.unmatched).toEqual([]);
  });

  it('names an unknown simulator', async () => {
    await expect(startBuiltInSimulator('gitlab')).rejects.toThrow(
      /no simulator for "gitlab" \(built-ins: github, jira/,
    );
  });
});
