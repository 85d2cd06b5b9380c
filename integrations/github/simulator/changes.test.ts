import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type GithubSimulator, SIMULATOR_TOKEN, startSimulator } from './start.js';

const auth = { authorization: `Bearer ${SIMULATOR_TOKEN}` };

describe('GitHub simulator changes (inlet mock --send-webhooks)', () => {
  let sim: GithubSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
  });

  it('each change is served by the REST API exactly as its delivery says, signed over the body', async () => {
    sim = await startSimulator({ seed: 3, size: { orgs: 2, reposPerOrg: 4, prsPerRepo: 3 } });
    const get = async (path: string) => {
      const res = await fetch(`${sim?.url}${path}`, { headers: auth });
      return { status: res.status, json: (await res.json()) as unknown };
    };
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const change = sim.change({ secret: 'topsecret' });
      expect(change.description).not.toBe('');
      const { headers, body } = change.delivery;
      expect(headers['X-Hub-Signature-256']).toBe(
        `sha256=${createHmac('sha256', 'topsecret').update(body).digest('hex')}`,
      );
      const payload = JSON.parse(body) as {
        action: string;
        repository: { full_name: string; owner: { login: string }; updated_at: string };
        pull_request?: { number: number };
        changes?: { repository?: { name: { from: string } } };
      };
      seen.push(`${headers['X-GitHub-Event']} ${payload.action}`);
      const repo = payload.repository;
      const repos = await get(`/orgs/${repo.owner.login}/repos?per_page=100`);
      expect(repos.json).toContainEqual(repo);
      if (headers['X-GitHub-Event'] === 'pull_request') {
        const pulls = await get(`/repos/${repo.full_name}/pulls?state=all&per_page=100`);
        expect(pulls.json).toContainEqual(payload.pull_request);
      }
      const from = payload.changes?.repository?.name.from;
      if (from) expect((await get(`/repos/${repo.owner.login}/${from}`)).status).toBe(404);
    }
    expect(seen).toEqual([
      'pull_request edited',
      'repository renamed',
      'repository edited',
      'repository archived',
    ]);
  });
});
