/**
 * RapidPro code-first: one flow by UUID, and the flows modified in a date range, read with the
 * client directly (no manifest). RapidPro pages are `{ next, previous, results }` with an absolute
 * `next` URL; the token goes in `Authorization: Token …`; the budget is 2,500 requests/hour and a
 * 429 carries Retry-After, which the client honours.
 *
 * Run against a real workspace:
 *   RAPIDPRO_TOKEN=… node dist/examples/rapidpro.js 2024-01-01T00:00:00.000Z 2024-02-01T00:00:00.000Z
 */
import { pathToFileURL } from 'node:url';
import { apiKeyAuth, type Client, createClient } from '../src/index.js';

type Json = Record<string, unknown>;

export interface RapidproOptions {
  /** @default 'https://app.rapidpro.io' */
  baseUrl?: string;
  token: string;
}

/** A client for RapidPro's API v2 with its documented auth and rate limit. */
export function rapidproClient(options: RapidproOptions): Client {
  return createClient({
    baseUrl: options.baseUrl ?? 'https://app.rapidpro.io',
    auth: apiKeyAuth({ name: 'Authorization', in: 'header', prefix: 'Token', value: options.token }),
    headers: { accept: 'application/json' },
    rateLimit: { requests: 2500, per: '1h' },
  });
}

/** The flow with this UUID, or undefined when the workspace has none (the list filter returns no results). */
export async function getFlow(client: Client, uuid: string): Promise<Json | undefined> {
  const res = await client.get<{ results: Json[] }>('/api/v2/flows.json', { query: { uuid } });
  return res.data.results[0];
}

/**
 * Every flow whose `modified_on` is within [after, before] (both inclusive, ISO 8601; either may be
 * omitted), following `next` until it is null.
 */
export async function flowsModifiedBetween(client: Client, range: { after?: string; before?: string }) {
  const flows: Json[] = [];
  for await (const flow of client.paginate<Json>('/api/v2/flows.json', {
    query: { after: range.after, before: range.before },
    paginate: { type: 'nextUrl', path: '.next' },
    records: '.results',
  })) {
    flows.push(flow);
  }
  return flows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const client = rapidproClient({
    baseUrl: process.env.RAPIDPRO_BASE_URL,
    token: process.env.RAPIDPRO_TOKEN ?? '',
  });
  try {
    const [after, before] = process.argv.slice(2);
    const flows = await flowsModifiedBetween(client, { after, before });
    console.log(`${flows.length} flows modified between ${after ?? 'the start'} and ${before ?? 'now'}`);
    const first = flows[0];
    if (first) console.log(await getFlow(client, String(first.uuid)));
  } finally {
    await client.close();
  }
}
