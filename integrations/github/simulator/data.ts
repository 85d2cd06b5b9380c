/**
 * The GitHub simulator's seeded dataset: organizations, their repositories (public, private,
 * forks, archived) and pull requests (open, closed, merged). Plain records; simulator/shapes.ts
 * renders them in GitHub's REST shapes.
 */
import { seededRandom } from '../../../src/testing/prng.js';

export interface SimUser {
  login: string;
  id: number;
  type: 'User' | 'Organization' | 'Bot';
}

export interface SimOrg {
  login: string;
  id: number;
  name: string;
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface SimRepo {
  id: number;
  org: string;
  name: string;
  fullName: string;
  description: string | null;
  private: boolean;
  fork: boolean;
  archived: boolean;
  language: string | null;
  topics: string[];
  license: { key: string; name: string; spdxId: string } | null;
  stars: number;
  forks: number;
  size: number;
  defaultBranch: string;
  createdAt: string;
  updatedAt: string;
  pushedAt: string;
}

export interface SimPull {
  id: number;
  number: number;
  repo: string;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  draft: boolean;
  user: SimUser;
  headRef: string;
  headSha: string;
  labels: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  mergedAt: string | null;
  mergeCommitSha: string | null;
}

export interface GithubData {
  orgs: SimOrg[];
  repos: SimRepo[];
  pulls: SimPull[];
  /** The owner of the simulator's valid token (GET /user). */
  viewer: SimUser;
}

export interface GithubSize {
  /** @default 3 */
  orgs?: number;
  /** Average repositories per organization (each org gets 75%–125% of it). @default 13 */
  reposPerOrg?: number;
  /** Average pull requests per repository (0 to twice it). @default 4 */
  prsPerRepo?: number;
}

const ORG_NAMES = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark', 'wayne', 'tyrell', 'cyberdyne'];
const WORDS = [
  'api',
  'web',
  'core',
  'infra',
  'docs',
  'cli',
  'sdk',
  'auth',
  'billing',
  'search',
  'data',
  'ui',
];
const SUFFIXES = ['service', 'app', 'lib', 'tools', 'gateway', 'worker', 'config', 'site'];
const LANGUAGES = ['TypeScript', 'Go', 'Python', 'Rust', 'Java', null];
const LICENSES = [
  { key: 'mit', name: 'MIT License', spdxId: 'MIT' },
  { key: 'apache-2.0', name: 'Apache License 2.0', spdxId: 'Apache-2.0' },
  null,
];
const TOPICS = ['backend', 'frontend', 'devops', 'security', 'kubernetes', 'observability'];
const LABELS = ['bug', 'enhancement', 'documentation', 'dependencies'];
const VERBS = ['Add', 'Fix', 'Refactor', 'Remove', 'Update', 'Document'];
const THINGS = ['retry logic', 'login page', 'rate limiting', 'cache', 'README', 'CI workflow', 'metrics'];
const PEOPLE = ['octocat', 'hubot', 'monalisa', 'defunkt', 'mojombo', 'pjhyett'];

const EPOCH = Date.UTC(2021, 0, 1);
const DAY = 86_400_000;
/** GitHub timestamps are ISO 8601 UTC without milliseconds. */
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Generate a dataset; the same seed and size give the same data.
 * @example const data = generateData(1, { orgs: 2, reposPerOrg: 5, prsPerRepo: 3 });
 */
export function generateData(seed: number, size: GithubSize = {}): GithubData {
  const random = seededRandom(seed);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const hex = (length: number) => Array.from({ length }, () => int(0, 15).toString(16)).join('');
  const users = PEOPLE.map((login, i) => ({ login, id: 583231 + i * 17, type: 'User' as const }));
  const bot: SimUser = { login: 'dependabot[bot]', id: 49699333, type: 'Bot' };

  const orgs: SimOrg[] = [];
  const repos: SimRepo[] = [];
  const pulls: SimPull[] = [];
  const orgCount = size.orgs ?? 3;
  const reposPerOrg = size.reposPerOrg ?? 13;
  const prsPerRepo = size.prsPerRepo ?? 4;
  let repoId = 100_000;
  let pullId = 900_000;

  for (let o = 0; o < orgCount; o++) {
    const base = ORG_NAMES[o % ORG_NAMES.length] ?? 'org';
    const login = o < ORG_NAMES.length ? base : `${base}-${Math.floor(o / ORG_NAMES.length) + 1}`;
    const orgCreated = EPOCH + int(0, 200) * DAY;
    orgs.push({
      login,
      id: 9_000_000 + o,
      name: `${login[0]?.toUpperCase() ?? ''}${login.slice(1)} Inc.`,
      description: random() < 0.8 ? `Open source at ${login}` : null,
      createdAt: iso(orgCreated),
      updatedAt: iso(orgCreated + int(1, 900) * DAY),
    });
    const count = Math.max(0, Math.round(reposPerOrg * (0.75 + random() * 0.5)));
    const names = new Set<string>();
    // Past the word pool (96 pairs) names take a number, so an organization can hold 500 repositories.
    const numbered = count > WORDS.length * SUFFIXES.length;
    for (let r = 0; names.size < count && r < count * 20; r++) {
      const name = `${pick(WORDS)}-${pick(SUFFIXES)}${numbered ? `-${r + 1}` : ''}`;
      if (names.has(name)) continue;
      names.add(name);
      const created = orgCreated + int(1, 600) * DAY + int(0, DAY - 1);
      const updated = created + int(0, 400) * DAY;
      const fork = random() < 0.15;
      const repo: SimRepo = {
        id: repoId++,
        org: login,
        name,
        fullName: `${login}/${name}`,
        description: random() < 0.85 ? `The ${name.replace('-', ' ')} of ${login}` : null,
        private: random() < 0.3,
        fork,
        archived: random() < 0.12,
        language: pick(LANGUAGES),
        topics: TOPICS.filter(() => random() < 0.25),
        license: pick(LICENSES),
        stars: int(0, 2500),
        forks: int(0, 300),
        size: int(10, 90_000),
        defaultBranch: random() < 0.8 ? 'main' : 'master',
        createdAt: iso(created),
        updatedAt: iso(updated),
        pushedAt: iso(updated - int(0, 3) * DAY),
      };
      repos.push(repo);
      const prCount = int(0, prsPerRepo * 2);
      for (let n = 1; n <= prCount; n++) {
        const opened = created + int(1, 500) * DAY + int(0, DAY - 1);
        const state = random() < 0.45 ? 'open' : 'closed';
        const merged = state === 'closed' && random() < 0.7;
        const closedAt = state === 'closed' ? opened + int(0, 20) * DAY + int(1, DAY - 1) : null;
        const author = random() < 0.15 ? bot : pick(users);
        pulls.push({
          id: pullId++,
          number: n,
          repo: repo.fullName,
          title: `${pick(VERBS)} ${pick(THINGS)}`,
          body: random() < 0.8 ? 'Please pull these changes in.' : null,
          state,
          draft: state === 'open' && random() < 0.2,
          user: author,
          headRef: author === bot ? `dependabot/npm_and_yarn/dep-${n}` : `feature/change-${n}`,
          headSha: hex(40),
          labels: LABELS.filter(() => random() < 0.2),
          createdAt: iso(opened),
          updatedAt: iso((closedAt ?? opened) + int(0, 5) * DAY),
          closedAt: closedAt === null ? null : iso(closedAt),
          mergedAt: merged && closedAt !== null ? iso(closedAt) : null,
          mergeCommitSha: state === 'closed' || random() < 0.5 ? hex(40) : null,
        });
      }
    }
  }
  return { orgs, repos, pulls, viewer: users[0] ?? bot };
}
