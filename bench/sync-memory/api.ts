/**
 * The generator API of bench/sync-memory: `GET /services?limit=N&after=C` answers a page of services
 * derived from their index alone (no record list is ever held), with `next` as the cursor of the
 * following page or null after the last record.
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

/**
 * Serves `total` services on 127.0.0.1 (a free port) until the process ends.
 * @example const port = await serveGeneratorApi(1_000_000);
 */
export async function serveGeneratorApi(total: number): Promise<number> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/services') {
      res.writeHead(404).end();
      return;
    }
    const limit = Math.min(Number(url.searchParams.get('limit') ?? 100) || 100, MAX_LIMIT);
    const after = Number(url.searchParams.get('after') ?? 0) || 0;
    const end = Math.min(after + limit, total);
    const items: Record<string, unknown>[] = [];
    for (let i = after; i < end; i++) items.push(service(i));
    const body = JSON.stringify({ items, next: end < total ? String(end) : null });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}
