/**
 * The cassette replay server (docs/testing.md): a loopback API answering each request with the
 * recorded response that matches it (method, path, query, body). Served at the root (the replayed
 * integration's base URL), with `{baseUrl}` in recorded headers and bodies rewritten to its own URL. Seeded faults go in front (`--faults`), in the API's own rate-limit shape.
 */
import { Hono } from 'hono';
import type { Clock } from '../http/clock.js';
import type { Cassette, CassetteRequest, Interaction } from './cassette.js';
import { BASE_URL_MARK, cassetteQuery, decodeBody, relativizer, scrubJson } from './cassette-scrub.js';
import { type FaultSpec, faultInjector, type RateLimitAnswer } from './faults.js';
import { closestRequest, describeRequest, requestMatches } from './replay-match.js';
import { type ServedApp, serve } from './serve.js';

export interface UnmatchedRequest {
  request: CassetteRequest;
  /** The closest recorded request, and the kind of its cassette. */
  closest?: { kind: string; request: CassetteRequest };
  /** `no recorded interaction for GET /x?y (closest recorded: GET /x?z, kind item)`. */
  message: string;
}

export interface ReplayConfig {
  /** Seeded faults in front of the cassettes. */
  faults?: FaultSpec;
  /** Server time for the faults' Retry-After blocks (share it with the client's clock). */
  clock?: Clock;
  /** The API's rate-limit answer for the 429 faults. @default genericRateLimitAnswer */
  rateLimitAnswer?: RateLimitAnswer;
  /** Requests recorded for these kinds are answered 503 (the no-delete-on-failure check). */
  failKinds?: ReadonlySet<string>;
}

export interface ReplayServer extends ServedApp {
  /** Requests that matched no interaction, in arrival order (each answered 501). */
  readonly unmatched: UnmatchedRequest[];
  /** How many requests were answered from a cassette. */
  readonly served: number;
  /** Change faults and failing kinds for the next requests; counters and unmatched requests are reset. */
  configure(config: ReplayConfig): void;
}

interface Entry extends Interaction {
  kind: string;
}

/**
 * @example
 * const replay = await startReplay(await readCassettes('my-api'));
 * await syncIntegration('my-api', { set: [`baseUrl=${replay.url}`], db });
 * expect(replay.unmatched).toEqual([]);
 */
export async function startReplay(
  cassettes: ReadonlyMap<string, Cassette>,
  config: ReplayConfig = {},
  options: { port?: number } = {},
): Promise<ReplayServer> {
  const entries: Entry[] = [...cassettes].flatMap(([kind, cassette]) =>
    cassette.map((i) => ({ ...i, kind })),
  );
  let current = config;
  let faults = current.faults && injector(current);
  const unmatched: UnmatchedRequest[] = [];
  // The n-th identical request gets the n-th matching interaction, the last one after that.
  const uses = new Map<Entry, number>();
  let served = 0;
  let base = '';

  const app = new Hono();
  app.use('*', (c, next) => (faults ? faults(c, next) : next()));
  app.all('*', async (c) => {
    const url = new URL(c.req.url);
    const text = await c.req.text();
    // The client's own URLs inside the request (a `redirect_uri`) compare as `{baseUrl}/…`, as recorded.
    const relative = relativizer(base);
    const actual: CassetteRequest = {
      method: c.req.method,
      path: url.pathname,
      query: cassetteQuery(url.searchParams, relative),
      body: scrubJson(decodeBody(text, c.req.header('content-type')), relative),
    };
    const matches = entries.filter((e) => requestMatches(e.request, actual));
    if (matches.length === 0) {
      const closest = closestRequest(entries, actual);
      const message = `no recorded interaction for ${describeRequest(actual)}${closest ? ` (closest recorded: ${describeRequest(closest.request)}, kind ${closest.kind})` : ' (the cassettes are empty)'}`;
      unmatched.push({
        request: actual,
        closest: closest && { kind: closest.kind, request: closest.request },
        message,
      });
      return c.json({ message: `inlet replay: ${message}` }, 501);
    }
    const used = matches.filter((m) => uses.has(m)).length;
    const entry = matches[Math.min(used, matches.length - 1)]!;
    uses.set(entry, (uses.get(entry) ?? 0) + 1);
    if (current.failKinds?.has(entry.kind)) {
      return c.json({ message: `inlet replay: kind ${entry.kind} made to fail` }, 503);
    }
    served++;
    return respond(entry.response, base);
  });

  const running = await serve(app, options);
  base = running.url;
  return {
    ...running,
    unmatched,
    get served() {
      return served;
    },
    configure(next) {
      current = next;
      faults = next.faults && injector(next);
      unmatched.length = 0;
      uses.clear();
      served = 0;
    },
  };
}

function injector(config: ReplayConfig) {
  return faultInjector(config.faults!, { clock: config.clock, rateLimitAnswer: config.rateLimitAnswer })
    .middleware;
}

/** The recorded response, with `{baseUrl}` in its headers and body put back as this server's URL. */
function respond(recorded: Interaction['response'], base: string): Response {
  const absolute = (text: string) => text.replaceAll(BASE_URL_MARK, base);
  const headers = new Headers();
  for (const [name, value] of Object.entries(recorded.headers)) headers.set(name, absolute(value));
  const body = recorded.body;
  if (body === null || body === undefined) return new Response(null, { status: recorded.status, headers });
  const isJson = /json/i.test(headers.get('content-type') ?? '');
  if (typeof body !== 'string' && !headers.has('content-type'))
    headers.set('content-type', 'application/json');
  // The mark has no character JSON escapes, so it is replaced in the serialized text as it is.
  const text = typeof body === 'string' && !isJson ? body : JSON.stringify(body);
  return new Response(absolute(text), { status: recorded.status, headers });
}
