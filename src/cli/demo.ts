import { mergeBounded } from '../http/async/index.js';
import { bearerAuth } from '../http/auth/index.js';
import { createClient } from '../http/client.js';
import { createLogger } from '../http/log.js';
import type { PaginateSpec } from '../http/pagination/index.js';
import type { HttpEvent } from '../http/types.js';
import { startTestServer } from '../testing/test-server.js';

export interface DemoOptions {
  items: number;
  faultRate: number;
  logLevel: string;
  logFormat?: 'json' | 'pretty';
  out: (text: string) => void;
}

interface Chain {
  name: string;
  path: string;
  query: Record<string, number>;
  paginate: PaginateSpec;
  records: string;
}

/** One endpoint per pagination style the test server speaks, each as a real API shapes it. */
const CHAINS: Chain[] = [
  {
    name: 'link (GitHub)',
    path: '/api/link/items',
    query: { per_page: 10 },
    paginate: { type: 'link' },
    records: '.',
  },
  {
    name: 'nextUrl (RapidPro)',
    path: '/api/next/items',
    query: { page_size: 10 },
    paginate: { type: 'nextUrl', path: '.next' },
    records: '.results',
  },
  {
    name: 'cursor (Jira issues)',
    path: '/api/cursor/items',
    query: { maxResults: 10 },
    paginate: { type: 'cursor', param: 'nextPageToken', path: '.nextPageToken' },
    records: '.issues',
  },
  {
    name: 'offset (Jira projects)',
    path: '/api/offset/items',
    query: {},
    paginate: { type: 'offset', param: 'startAt', limitParam: 'maxResults', limit: 10, total: '.total' },
    records: '.values',
  },
  {
    name: 'page (Octopus)',
    path: '/api/pages/items',
    query: { per_page: 10 },
    paginate: { type: 'page', param: 'page', start: 1, last: '.last_page' },
    records: '.data',
  },
];

/**
 * The offline demo behind `npm start`: a loopback API that faults a share of its
 * responses (429, GitHub 403 limits, 502/503, resets mid-body) is read through every
 * pagination style concurrently, and every record arrives exactly once.
 */
export async function runDemo(options: DemoOptions): Promise<void> {
  const token = 'demo-token-not-a-secret-elsewhere';
  const server = await startTestServer({
    items: options.items,
    seed: 7,
    credentials: { bearer: token },
    faults: {
      rate: options.faultRate,
      seed: 7,
      kinds: ['429', '403-primary', '403-secondary', '502', '503', 'reset'],
      retryAfterSeconds: 1,
    },
  });
  const counts = { requests: 0, retries: 0, waits: 0, waitedMs: 0 };
  const onEvent = (event: HttpEvent) => {
    if (event.type === 'request') counts.requests++;
    else if (event.type === 'retry') counts.retries++;
    else if (event.type === 'rate-limit-wait') {
      counts.waits++;
      counts.waitedMs += event.waitMs;
    }
  };
  const client = createClient({
    baseUrl: server.url,
    auth: bearerAuth(token),
    concurrency: 4,
    retry: { backoff: { initial: '50ms', max: '1s' } },
    logger: createLogger({ level: options.logLevel, format: options.logFormat }),
    onEvent,
  });

  const started = performance.now();
  try {
    out(options, `Reading ${CHAINS.length} endpoints of ${options.items} records each from ${server.url}`);
    out(
      options,
      `(${Math.round(options.faultRate * 100)}% of responses faulted: 429, GitHub 403 limits, 502, 503, resets)\n`,
    );
    const perChain = new Map<string, Set<unknown>>(CHAINS.map((c) => [c.name, new Set()]));
    const sources = CHAINS.map(async function* (chain) {
      for await (const page of client.pages(chain.path, { ...chain, kind: chain.name })) {
        for (const record of page.records) yield [chain.name, record.id] as const;
      }
    });
    for await (const [name, id] of mergeBounded(sources, { concurrency: CHAINS.length }))
      perChain.get(name)!.add(id);

    const rows = CHAINS.map((c) => [c.name, String(perChain.get(c.name)!.size), String(options.items)]);
    out(options, table(['pagination', 'records read', 'expected'], rows));
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    out(
      options,
      `\n${counts.requests} requests, ${counts.retries} retries, ${counts.waits} rate-limit waits ` +
        `(${(counts.waitedMs / 1000).toFixed(1)} s), ${seconds} s.` +
        `\n${server.violations.length} requests reached the server during a wait it had announced ` +
        '(with 4 requests in flight, those already on the wire when a limit is announced count here).',
    );
    const complete = rows.every((r) => r[1] === r[2]);
    out(options, complete ? 'Every record arrived exactly once.' : 'Some records are missing.');
  } finally {
    await client.close();
    await server.close();
  }
}

function out(options: DemoOptions, line: string) {
  options.out(`${line}\n`);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
