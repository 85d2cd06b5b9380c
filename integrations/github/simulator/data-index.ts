/**
 * Lookups over the simulator's dataset by key, so a request costs the same with 1,000 repositories as
 * with 10 (bench/github-vs-peers serves ~1,000 requests at 20 ms latency and must not be the bottleneck).
 * Rebuilt when an array of the dataset is replaced or changes length; records edited in place stay
 * visible, since the index holds the records themselves.
 */
import type { GithubData, SimOrg, SimPull, SimRepo } from './data.js';

export interface DataIndex {
  /** Case-insensitive, as GitHub matches logins and names. */
  org(login: string): SimOrg | undefined;
  orgById(id: string): SimOrg | undefined;
  repo(fullName: string): SimRepo | undefined;
  repoById(id: string): SimRepo | undefined;
  reposOf(org: string): SimRepo[];
  /** The repository's pull requests, in dataset order. */
  pullsOf(fullName: string): SimPull[];
}

const group = <T>(items: T[], key: (item: T) => string): Map<string, T[]> => {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
};

/** @example const index = dataIndex(data); index.pullsOf('acme/api-service') */
export function dataIndex(data: GithubData): DataIndex {
  let built: { signature: unknown[]; index: DataIndex } | undefined;
  const current = (): DataIndex => {
    const signature = [
      data.orgs,
      data.orgs.length,
      data.repos,
      data.repos.length,
      data.pulls,
      data.pulls.length,
    ];
    if (built?.signature.every((part, i) => part === signature[i])) return built.index;
    const orgs = new Map(data.orgs.map((o) => [o.login.toLowerCase(), o]));
    const orgIds = new Map(data.orgs.map((o) => [String(o.id), o]));
    const repos = new Map(data.repos.map((r) => [r.fullName.toLowerCase(), r]));
    const repoIds = new Map(data.repos.map((r) => [String(r.id), r]));
    const reposByOrg = group(data.repos, (r) => r.org);
    const pullsByRepo = group(data.pulls, (p) => p.repo);
    const index: DataIndex = {
      org: (login) => orgs.get(login.toLowerCase()),
      orgById: (id) => orgIds.get(id),
      repo: (fullName) => repos.get(fullName.toLowerCase()),
      repoById: (id) => repoIds.get(id),
      reposOf: (org) => reposByOrg.get(org) ?? [],
      pullsOf: (fullName) => pullsByRepo.get(fullName) ?? [],
    };
    built = { signature, index };
    return index;
  };
  return {
    org: (login) => current().org(login),
    orgById: (id) => current().orgById(id),
    repo: (fullName) => current().repo(fullName),
    repoById: (id) => current().repoById(id),
    reposOf: (org) => current().reposOf(org),
    pullsOf: (fullName) => current().pullsOf(fullName),
  };
}
