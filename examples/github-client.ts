/**
 * The seed tutorials' GitHub client, code-first: organizations, their repositories by
 * type, and every repository's pull requests by state, read concurrently inside
 * GitHub's budget, with each organization's repositories fetched once even though two
 * consumers (the repository list and the pull-request fan-out) read them.
 *
 * Run against the real API:
 *   GITHUB_TOKEN=… node dist/examples/github-client.js acme other-org
 */
import { pathToFileURL } from 'node:url';
import { bearerAuth, createClient, fanOut, mergeBounded, noAuth, RunMemo } from '../src/index.js';

type Json = Record<string, unknown>;

export interface GithubReadOptions {
  /** @default 'https://api.github.com' (GitHub Enterprise: 'https://HOST/api/v3') */
  baseUrl?: string;
  /** Without a token GitHub allows 60 requests/hour; with one, 5,000. */
  token?: string;
  orgs: string[];
  /** @default 'all' */
  repoType?: 'all' | 'public' | 'private' | 'forks' | 'sources' | 'member';
  /** @default 'open' */
  prState?: 'open' | 'closed' | 'all';
}

export async function readGithub(options: GithubReadOptions) {
  const gh = createClient({
    baseUrl: options.baseUrl ?? 'https://api.github.com',
    auth: options.token ? bearerAuth(options.token) : noAuth(),
    headers: { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' },
    rateLimit: { requests: options.token ? 5000 : 60, per: '1h' },
  });
  const memo = new RunMemo();
  const repos = () =>
    mergeBounded(
      options.orgs.map((org) =>
        memo.shared(`repos:${org}`, () =>
          gh.paginate<Json>(`/orgs/${encodeURIComponent(org)}/repos`, {
            query: { type: options.repoType ?? 'all', per_page: 100 },
            paginate: { type: 'link' },
          }),
        ),
      ),
      { concurrency: 4 },
    );
  try {
    const [orgs, repositories, pulls] = await Promise.all([
      Promise.all(
        options.orgs.map(async (org) => (await gh.get<Json>(`/orgs/${encodeURIComponent(org)}`)).data),
      ),
      collect(repos()),
      collect(
        fanOut(
          repos(),
          (repo) =>
            gh.paginate<Json>(`/repos/${repo.full_name}/pulls`, {
              query: { state: options.prState ?? 'open', per_page: 100 },
              paginate: { type: 'link' },
            }),
          { concurrency: 8 },
        ),
      ),
    ]);
    return { orgs, repositories, pulls };
  } finally {
    await gh.close();
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await readGithub({ token: process.env.GITHUB_TOKEN, orgs: process.argv.slice(2) });
  console.log(
    `${result.orgs.length} orgs, ${result.repositories.length} repositories, ${result.pulls.length} pull requests`,
  );
}
