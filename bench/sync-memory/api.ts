/**
 * The generator API of bench/sync-memory: `GET /services?limit=N&after=C` (the leaf case) and
 * `GET /repos?limit=N&after=C` (the parent case) answer a page of records derived from their index
 * alone (no record list is ever held), with `next` as the cursor of the following page or null after
 * the last record; `GET /repos/{id}/pulls` answers the repository's pull requests (one for an even id,
 * none for an odd one), in one page.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const LANGUAGES = ['typescript', 'go', 'python', 'rust', 'java', 'kotlin'];
const DOMAINS = ['billing', 'search', 'auth', 'ingest', 'reporting'];
const EPOCH = Date.UTC(2020, 0, 1);
const MAX_LIMIT = 1000;

/** Service `i`: ~450 bytes of JSON, nested owner and topics like a typical REST record. */
function service(i: number): Record<string, unknown> {
  const team = i % 50;
  return {
    id: i,
    slug: `svc-${String(i).padStart(7, '0')}`,
    name: `Service ${i}`,
    description: `Handles ${DOMAINS[i % DOMAINS.length]} for tenant ${i % 977}; on call: team ${team}.`,
    language: LANGUAGES[i % LANGUAGES.length],
    stars: (i * 7919) % 1000,
    archived: i % 13 === 0,
    owner: { login: `team-${team}`, id: 1000 + team, type: 'Organization' },
    topics: ['api', `t${i % 7}`, `region-${i % 4}`],
    html_url: `https://git.example.com/acme/svc-${i}`,
    created_at: new Date(EPOCH + i * 60_000).toISOString(),
    updated_at: new Date(EPOCH + i * 90_000).toISOString(),
  };
}

// Some of the sub-resource URLs a GitHub repository carries (docs.github.com/rest/repos/repos#get-a-repository).
const REPO_LINKS = [
  'forks',
  'keys',
  'collaborators',
  'teams',
  'hooks',
  'events',
  'branches',
  'tags',
  'statuses',
  'languages',
  'stargazers',
  'contributors',
  'commits',
  'contents',
  'issues',
  'pulls',
  'labels',
];

/** Repository `i`: ~2 KB of JSON, shaped like GitHub's (owner object, a URL per sub-resource). */
function repository(i: number): Record<string, unknown> {
  const team = i % 50;
  const fullName = `acme-${team}/repo-${String(i).padStart(7, '0')}`;
  const api = `https://api.git.example.com/repos/${fullName}`;
  const links: Record<string, string> = {};
  for (const link of REPO_LINKS) links[`${link}_url`] = `${api}/${link}`;
  return {
    id: i,
    node_id: `R_kgDO${i.toString(36).padStart(8, '0')}`,
    name: `repo-${String(i).padStart(7, '0')}`,
    full_name: fullName,
    private: i % 3 === 0,
    owner: {
      login: `acme-${team}`,
      id: 1000 + team,
      type: 'Organization',
      url: `https://api.git.example.com/users/acme-${team}`,
      html_url: `https://git.example.com/acme-${team}`,
    },
    html_url: `https://git.example.com/${fullName}`,
    description: `Handles ${DOMAINS[i % DOMAINS.length]} for tenant ${i % 977}; on call: team ${team}.`,
    url: api,
    ...links,
    language: LANGUAGES[i % LANGUAGES.length],
    stargazers_count: (i * 7919) % 1000,
    forks_count: i % 37,
    archived: i % 13 === 0,
    topics: ['api', `t${i % 7}`, `region-${i % 4}`],
    default_branch: 'main',
    created_at: new Date(EPOCH + i * 60_000).toISOString(),
    pushed_at: new Date(EPOCH + i * 90_000).toISOString(),
  };
}

/** The pull requests of repository `id`: one small record for an even id, none for an odd one. */
function pulls(id: number): Record<string, unknown>[] {
  if (id % 2 === 1) return [];
  return [
    {
      id: id * 10,
      node_id: `PR_${id}`,
      number: 1,
      title: `Fix ${DOMAINS[id % DOMAINS.length]}`,
      state: 'open',
    },
  ];
}

/** A cursor page of `total` records made by `make`, as `{ items, next }`. */
function page(url: URL, total: number, make: (i: number) => Record<string, unknown>): string {
  const limit = Math.min(Number(url.searchParams.get('limit') ?? 100) || 100, MAX_LIMIT);
  const after = Number(url.searchParams.get('after') ?? 0) || 0;
  const end = Math.min(after + limit, total);
  const items: Record<string, unknown>[] = [];
  for (let i = after; i < end; i++) items.push(make(i));
  return JSON.stringify({ items, next: end < total ? String(end) : null });
}

/**
 * Serves `total` services (and as many repositories) on 127.0.0.1 (a free port) until the process ends.
 * @example const port = await serveGeneratorApi(1_000_000);
 */
export async function serveGeneratorApi(total: number): Promise<number> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const pullsOf = /^\/repos\/(\d+)\/pulls$/.exec(url.pathname);
    let body: string;
    if (url.pathname === '/services') body = page(url, total, service);
    else if (url.pathname === '/repos') body = page(url, total, repository);
    else if (pullsOf && Number(pullsOf[1]) < total)
      body = JSON.stringify({ items: pulls(Number(pullsOf[1])) });
    else {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}
