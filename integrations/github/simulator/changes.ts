/**
 * Simulated changes for `inlet mock github --send-webhooks`: each edits the simulator's dataset, so
 * the REST API answers the new state at once, and returns the delivery GitHub would send for it
 * (payload shapes: docs.github.com/webhooks/webhook-events-and-payloads#pull_request and #repository;
 * the embedded records are the same shapes the REST routes serve).
 */
import type { Clock } from '../../../src/http/clock.js';
import { githubDelivery } from '../../../src/testing/webhook-sender.js';
import type { SimulatedChange } from '../../registry.js';
import type { GithubData, SimRepo } from './data.js';
import type { HookState } from './hooks.js';
import { pullJson, repoJson, userJson } from './shapes.js';

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The next change each call: a pull request edited, a repository renamed, edited, archived, in turn. */
export function githubChanges(state: {
  data: GithubData;
  api: string;
  hooks: HookState;
  clock: Clock;
}): (options?: { secret?: string }) => SimulatedChange {
  const { data, api } = state;
  let count = 0;
  let lastStamp = 0;
  // Every change is newer than the last, even within one second (GitHub timestamps have no milliseconds).
  const stamp = () => {
    lastStamp = Math.max(lastStamp + 1000, state.clock.now());
    return iso(lastStamp);
  };
  const orgId = (login: string) => data.orgs.find((o) => o.login === login)?.id ?? 0;
  const openIssues = (repo: SimRepo) =>
    data.pulls.filter((p) => p.repo === repo.fullName && p.state === 'open').length;
  const repoPayload = (repo: SimRepo) => repoJson(api, repo, orgId(repo.org), openIssues(repo));
  const common = (repo: SimRepo) => ({
    organization: { login: repo.org, id: orgId(repo.org), url: `${api}/orgs/${repo.org}` },
    sender: userJson(api, data.viewer),
  });
  const deliver = (event: string, payload: unknown, secret: string | undefined, org: string) =>
    githubDelivery({ event, payload, secret, hookId: state.hooks.hooks.find((h) => h.org === org)?.id });

  const changes: Array<(n: number, secret?: string) => SimulatedChange> = [
    (n, secret) => {
      const open = data.pulls.filter((p) => p.state === 'open');
      const pull = open[n % Math.max(open.length, 1)];
      const repo = pull && data.repos.find((r) => r.fullName === pull.repo);
      if (!pull || !repo) return renamed(n, secret);
      const from = pull.title;
      pull.title = `${from.replace(/ \(edited \d+\)$/, '')} (edited ${n + 1})`;
      pull.updatedAt = stamp();
      const base = repoPayload(repo);
      const payload = {
        action: 'edited',
        number: pull.number,
        changes: { title: { from } },
        pull_request: pullJson(api, pull, repo, base, orgId(repo.org)),
        repository: base,
        ...common(repo),
      };
      return {
        description: `pull request ${repo.fullName}#${pull.number} edited`,
        delivery: deliver('pull_request', payload, secret, repo.org),
      };
    },
    (n, secret) => renamed(n, secret),
    (n, secret) => {
      const repo = data.repos[(n * 7) % data.repos.length] as SimRepo;
      const from = repo.description;
      repo.description = `${repo.name}, edited by the simulator (${n + 1})`;
      repo.updatedAt = stamp();
      const payload = {
        action: 'edited',
        changes: { description: { from } },
        repository: repoPayload(repo),
        ...common(repo),
      };
      return {
        description: `repository ${repo.fullName} edited`,
        delivery: deliver('repository', payload, secret, repo.org),
      };
    },
    (n, secret) => {
      const repo = data.repos.find((r) => !r.archived) ?? (data.repos[0] as SimRepo);
      repo.archived = true;
      repo.updatedAt = stamp();
      const payload = { action: 'archived', repository: repoPayload(repo), ...common(repo) };
      return {
        description: `repository ${repo.fullName} archived (${n + 1})`,
        delivery: deliver('repository', payload, secret, repo.org),
      };
    },
  ];

  /** A rename changes `full_name`, so the repository's pull requests move with it. */
  function renamed(n: number, secret?: string): SimulatedChange {
    const repo = data.repos[(n * 3) % data.repos.length] as SimRepo;
    const from = repo.name;
    const oldFullName = repo.fullName;
    repo.name = `${from.replace(/-renamed-\d+$/, '')}-renamed-${n + 1}`;
    repo.fullName = `${repo.org}/${repo.name}`;
    repo.updatedAt = stamp();
    for (const pull of data.pulls) if (pull.repo === oldFullName) pull.repo = repo.fullName;
    // New arrays: the simulator's lookup index is keyed by full name and rebuilds when an array changes.
    data.repos = [...data.repos];
    data.pulls = [...data.pulls];
    const payload = {
      action: 'renamed',
      changes: { repository: { name: { from } } },
      repository: repoPayload(repo),
      ...common(repo),
    };
    return {
      description: `repository ${oldFullName} renamed to ${repo.fullName}`,
      delivery: deliver('repository', payload, secret, repo.org),
    };
  }

  return (options = {}) => {
    const n = count++;
    return (changes[n % changes.length] as (typeof changes)[number])(n, options.secret);
  };
}
