/**
 * The three ways bench/github-vs-peers reads the organizations, all repositories and open pull requests of
 * the simulator's organizations: `inlet sync github` (syncIntegration with the shipped manifest and mapping,
 * into a SQLite catalog), an octokit script written the way its docs recommend, and a naive sequential loop.
 * Each runs in its own child process, so its peak RSS is its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Octokit } from '@octokit/core';
import { paginateRest } from '@octokit/plugin-paginate-rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import pLimit from 'p-limit';
import { builtInDir } from '../../integrations/registry.js';
import { syncIntegration } from '../../src/sync/sync-integration.js';

export const CONTENDERS = ['inlet', 'octokit', 'naive'] as const;
export type Contender = (typeof CONTENDERS)[number];

export interface Target {
  baseUrl: string;
  token: string;
  orgs: string[];
  /** The manifest's `connection.concurrency`, which the octokit script's p-limit matches. */
  concurrency: number;
  /** Give up after this long (the run reports `capped`). */
  capMs: number;
}

/** What a contender saw from its side of the wire. */
export interface Tally {
  requests: number;
  /** 403/429 responses: the primary limit's rejections. */
  rejections: number;
  /** Organizations + repositories + pull requests read. */
  records: number;
  status: 'ok' | 'capped' | 'failed';
  detail?: string;
}

const isRejection = (status: number | undefined) => status === 403 || status === 429;

async function inlet(target: Target): Promise<Tally> {
  const dir = mkdtempSync(join(tmpdir(), 'inlet-peers-'));
  const tally: Tally = { requests: 0, rejections: 0, records: 0, status: 'ok' };
  try {
    const summary = await syncIntegration(builtInDir('github')!, {
      set: [`baseUrl=${target.baseUrl}`, `token=${target.token}`, `orgs=${target.orgs.join(',')}`],
      db: join(dir, 'catalog.db'),
      signal: AbortSignal.timeout(target.capMs),
      onEvent: (event) => {
        if (event.type !== 'request') return;
        tally.requests++;
        if (isRejection(event.status)) tally.rejections++;
      },
    });
    tally.records = summary.totals.records;
    if (summary.status === 'aborted') tally.status = 'capped';
    else if (summary.status !== 'succeeded') {
      tally.status = 'failed';
      tally.detail = summary.kinds.map((k) => k.error).find(Boolean);
    }
    return tally;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * As the octokit docs recommend: `Octokit.plugin(throttling, retry, paginateRest)` with `onRateLimit` /
 * `onSecondaryRateLimit` that retry (github.com/octokit/plugin-throttling.js#usage), `octokit.paginate`
 * for lists, and p-limit at the manifest's concurrency: the repositories first, then their pull requests.
 */
async function octokit(target: Target): Promise<Tally> {
  const tally: Tally = { requests: 0, rejections: 0, records: 0, status: 'ok' };
  const quiet = () => {};
  const Client = Octokit.plugin(throttling, retry, paginateRest);
  const client = new Client({
    auth: target.token,
    baseUrl: target.baseUrl,
    // Counted on the wire, under the retry and throttling plugins: every attempt is one request.
    request: { fetch: counting(tally) },
    log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    throttle: {
      onRateLimit: (_after: number, _options: object, _octokit: object, retryCount: number) => retryCount < 3,
      onSecondaryRateLimit: (_after: number, _options: object, _octokit: object, retryCount: number) =>
        retryCount < 3,
    },
  });
  const limit = pLimit(target.concurrency);
  try {
    const orgs = await Promise.all(
      target.orgs.map((org) => limit(() => client.request('GET /orgs/{org}', { org }))),
    );
    const repos = (
      await Promise.all(
        target.orgs.map((org) =>
          limit(() => client.paginate('GET /orgs/{org}/repos', { org, type: 'all', per_page: 100 })),
        ),
      )
    ).flat();
    const pulls = await Promise.all(
      repos.map((repo) =>
        limit(() =>
          client.paginate('GET /repos/{owner}/{repo}/pulls', {
            owner: repo.owner.login,
            repo: repo.name,
            state: 'open',
            per_page: 100,
          }),
        ),
      ),
    );
    tally.records = orgs.length + repos.length + pulls.flat().length;
  } catch (error) {
    tally.status = 'failed';
    tally.detail = error instanceof Error ? error.message : String(error);
  }
  return tally;
}

function counting(tally: Tally): typeof fetch {
  return async (input, init) => {
    tally.requests++;
    const res = await fetch(input, init);
    if (isRejection(res.status)) tally.rejections++;
    return res;
  };
}

/** One request after another with fetch; on a primary-limit rejection it sleeps to `x-ratelimit-reset`. */
async function naive(target: Target): Promise<Tally> {
  const tally: Tally = { requests: 0, rejections: 0, records: 0, status: 'ok' };
  const deadline = Date.now() + target.capMs;
  const headers = {
    authorization: `Bearer ${target.token}`,
    accept: 'application/vnd.github+json',
    'x-github-api-version': '2022-11-28',
  };
  const get = async (url: string): Promise<{ body: unknown; next?: string }> => {
    for (;;) {
      if (Date.now() > deadline) throw new Capped();
      tally.requests++;
      const res = await fetch(url, { headers });
      if (isRejection(res.status) && res.headers.get('x-ratelimit-remaining') === '0') {
        tally.rejections++;
        await res.arrayBuffer();
        const reset = Number(res.headers.get('x-ratelimit-reset')) * 1000;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, reset - Date.now())));
        continue;
      }
      if (!res.ok) throw new Error(`${res.status} for ${url}`);
      const next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
      return { body: await res.json(), next };
    }
  };
  const all = async (first: string): Promise<Record<string, unknown>[]> => {
    const items: Record<string, unknown>[] = [];
    for (let url: string | undefined = first; url; ) {
      const page = await get(url);
      items.push(...(page.body as Record<string, unknown>[]));
      url = page.next;
    }
    return items;
  };
  try {
    for (const org of target.orgs) {
      await get(`${target.baseUrl}/orgs/${org}`);
      tally.records++;
      for (const repo of await all(`${target.baseUrl}/orgs/${org}/repos?type=all&per_page=100`)) {
        tally.records++;
        tally.records += (
          await all(`${target.baseUrl}/repos/${repo.full_name}/pulls?state=open&per_page=100`)
        ).length;
      }
    }
  } catch (error) {
    tally.status = error instanceof Capped ? 'capped' : 'failed';
    if (!(error instanceof Capped)) tally.detail = error instanceof Error ? error.message : String(error);
  }
  return tally;
}

class Capped extends Error {}

export const run: Record<Contender, (target: Target) => Promise<Tally>> = { inlet, octokit, naive };
