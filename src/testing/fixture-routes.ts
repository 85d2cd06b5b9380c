import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode, RedirectStatusCode } from 'hono/utils/http-status';
import { systemClock } from '../http/clock.js';
import type { Item } from './dataset.js';
import { intParam } from './query-params.js';

const REDIRECT_STATUSES: readonly RedirectStatusCode[] = [301, 302, 303, 307, 308];
const CHUNK = 64 * 1024;

/**
 * Exactly `total` bytes (at least 2) of a valid JSON array of strings, in chunks of about 64 KiB,
 * generated lazily so a huge body never sits in memory.
 */
function* jsonArrayChunks(total: number): Generator<string> {
  let remaining = Math.max(2, total) - 2;
  yield '[';
  let first = true;
  while (remaining > 0) {
    const overhead = first ? 2 : 3;
    if (remaining < overhead) {
      yield ' '.repeat(remaining); // JSON allows whitespace before `]`.
      break;
    }
    const size = Math.min(CHUNK, remaining - overhead);
    yield `${first ? '' : ','}"${'x'.repeat(size)}"`;
    remaining -= overhead + size;
    first = false;
  }
  yield ']';
}

function pathAndQuery(requestUrl: string): string {
  const url = new URL(requestUrl);
  return url.pathname + url.search;
}

/** Options of {@link fixtureRoutes}. */
interface FixtureOptions {
  items: readonly Item[];
  /** Origin that /cross/* routes point at. */
  otherOrigin?: string;
}

/**
 * Routes for edge cases: echo, arbitrary statuses, malformed bodies and links, slow and huge
 * responses, redirects and links to another origin.
 * @example app.route('/api', fixtureRoutes({ items, otherOrigin: other.origin }));
 */
export function fixtureRoutes({ items, otherOrigin }: FixtureOptions): Hono {
  const app = new Hono();

  app.all('/echo', (c) =>
    c.json({
      method: c.req.method,
      url: pathAndQuery(c.req.url),
      headers: Object.fromEntries(c.req.raw.headers),
    }),
  );
  app.get('/echo-page', (c) => c.json({ results: [], next: null }));

  // ?retry_after=N adds a Retry-After header, for 429/503 retry tests.
  app.all('/status/:code', (c) => {
    const code = Number(c.req.param('code'));
    if (!Number.isInteger(code) || code < 200 || code > 599) {
      throw new HTTPException(400, { message: `not a status code: ${c.req.param('code')}` });
    }
    const retryAfter = c.req.query('retry_after');
    if (retryAfter) c.header('retry-after', retryAfter);
    if (code === 204 || code === 205 || code === 304) return c.body(null, code);
    return c.json({ message: `status ${code}` }, code as ContentfulStatusCode);
  });

  app.get('/broken/invalid-json', (c) =>
    c.body('{"truncated": [1, 2', 200, { 'content-type': 'application/json' }),
  );
  app.get('/broken/not-objects', (c) => c.json([1, 'two', null]));
  app.get('/broken/bad-link', (c) => {
    c.header('link', 'https://x.test/page2; rel=next'); // missing the angle brackets RFC 8288 requires
    return c.json([]);
  });
  app.get('/broken/cursor-loop', (c) =>
    c.json({ issues: items.slice(0, 3), nextPageToken: 'again', isLast: false }),
  );
  // ?content_length=1 declares the size up front; otherwise the body is chunked.
  app.get('/broken/huge', (c) => {
    const bytes = intParam(c, 'bytes', 1024 * 1024, 0, 2 ** 40);
    const chunks = jsonArrayChunks(bytes);
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      },
    });
    if (c.req.query('content_length') === '1') c.header('content-length', String(Math.max(2, bytes)));
    return c.body(stream, 200, { 'content-type': 'application/json' });
  });

  // Real time on purpose (client timeouts are real-time); the timer stops when the client goes away.
  app.get('/slow', async (c) => {
    const ms = intParam(c, 'ms', 1000, 0, 600_000);
    await systemClock.sleep(ms, c.req.raw.signal).catch(() => undefined);
    return c.json([]);
  });

  app.get('/redirect', (c) => {
    const to = c.req.query('to');
    const status = intParam(c, 'status', 302, 300, 399);
    const redirect = REDIRECT_STATUSES.find((s) => s === status);
    if (!to || redirect === undefined) {
      throw new HTTPException(400, { message: 'need ?to=<url> and ?status=301|302|303|307|308' });
    }
    return c.redirect(to, redirect);
  });

  const other = () => {
    if (!otherOrigin) throw new HTTPException(500, { message: 'otherOrigin is not configured' });
    return otherOrigin;
  };
  app.get('/cross/link', (c) => {
    c.header('link', `<${other()}/api/link/items?page=2>; rel="next"`);
    return c.json([{ id: 1 }]);
  });
  app.get('/cross/next', (c) => c.json({ results: [{ id: 1 }], next: `${other()}/api/echo-page` }));
  app.get('/cross/redirect', (c) => c.redirect(`${other()}/api/echo`, 302));

  return app;
}
