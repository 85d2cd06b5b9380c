import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { Cassette } from './cassette.js';
import { relativizer } from './cassette-scrub.js';
import { parseFaultSpec } from './faults.js';
import { type ReplayServer, startReplay } from './replay-server.js';
import { VirtualClock } from './virtual-clock.js';

const items: Cassette = [
  {
    request: { method: 'GET', path: '/items', query: { per_page: '2' }, body: null },
    response: {
      status: 200,
      headers: {
        'content-type': 'application/json',
        link: '<{baseUrl}/items?per_page=2&page=2>; rel="next"',
      },
      body: [{ id: 1, self: '{baseUrl}/items/1' }],
    },
  },
  {
    request: {
      method: 'GET',
      path: '/items',
      query: { per_page: '2', page: '2', api_key: '***' },
      body: null,
    },
    response: { status: 200, headers: { 'content-type': 'application/json' }, body: [{ id: 2 }] },
  },
  {
    request: { method: 'POST', path: '/search', query: {}, body: { jql: 'project = A', next: null } },
    response: { status: 200, headers: {}, body: { first: true } },
  },
  {
    request: { method: 'POST', path: '/search', query: {}, body: { jql: 'project = A', next: null } },
    response: { status: 200, headers: {}, body: { first: false } },
  },
];

let replay: ReplayServer | undefined;
afterEach(async () => {
  await replay?.close();
  replay = undefined;
});

const get = async (url: string, init?: Parameters<typeof request>[1]) => {
  const res = await request(url, init);
  return { status: res.statusCode, headers: res.headers, body: (await res.body.json()) as unknown };
};

describe('startReplay', () => {
  it('serves the matching interaction with {baseUrl} written back as its own URL', async () => {
    replay = await startReplay(new Map([['item', items]]));
    const first = await get(`${replay.url}/items?per_page=2`);
    expect(first.headers.link).toBe(`<${replay.url}/items?per_page=2&page=2>; rel="next"`);
    expect(first.body).toEqual([{ id: 1, self: `${replay.url}/items/1` }]);
    // `***` (a scrubbed credential) matches any value; parameter order does not matter.
    expect((await get(`${replay.url}/items?api_key=placeholder&page=2&per_page=2`)).body).toEqual([
      { id: 2 },
    ]);
    expect(replay.served).toBe(2);
    expect(replay.unmatched).toEqual([]);
  });

  it('matches bodies, and serves identical requests their recorded answers in turn, then the last again', async () => {
    replay = await startReplay(new Map([['issue', items]]));
    const post = () =>
      get(`${replay!.url}/search`, {
        method: 'POST',
        body: JSON.stringify({ next: null, jql: 'project = A' }),
        headers: { 'content-type': 'application/json' },
      });
    expect((await post()).body).toEqual({ first: true });
    expect((await post()).body).toEqual({ first: false });
    expect((await post()).body).toEqual({ first: false });
  });

  it('answers an unmatched request 501 and reports it with the closest recorded one', async () => {
    replay = await startReplay(new Map([['item', items]]));
    const res = await get(`${replay.url}/items?per_page=3`);
    expect(res.status).toBe(501);
    expect(replay.unmatched.map((u) => u.message)).toEqual([
      'no recorded interaction for GET /items?per_page=3 (closest recorded: GET /items?per_page=2, kind item)',
    ]);
    const body = await get(`${replay.url}/search`, {
      method: 'POST',
      body: '{"jql":"project = B","next":null}',
    });
    expect(body.status).toBe(501);
    expect(replay.unmatched[1]!.closest?.request.path).toBe('/search');
  });

  it('fails the requests of a chosen kind, and injects faults in the shape it is given', async () => {
    replay = await startReplay(new Map([['item', items]]));
    replay.configure({ failKinds: new Set(['item']) });
    expect((await get(`${replay.url}/items?per_page=2`)).status).toBe(503);
    const clock = new VirtualClock();
    replay.configure({
      faults: parseFaultSpec('429:1,seed:1'),
      clock,
      rateLimitAnswer: (c, { retryAfterSeconds }) =>
        c.json({ errorMessages: ['Rate limit exceeded.'] }, 429, {
          'retry-after': String(retryAfterSeconds),
        }),
    });
    const limited = await get(`${replay.url}/items?per_page=2`);
    expect(limited).toMatchObject({
      status: 429,
      headers: { 'retry-after': '1' },
      body: { errorMessages: ['Rate limit exceeded.'] },
    });
    clock.advance(1000);
    // The same URL is never faulted twice in a row.
    expect((await get(`${replay.url}/items?per_page=2`)).status).toBe(200);
  });
});

describe('relativizer', () => {
  it('marks URLs under the base only, the base path included', () => {
    const rel = relativizer(new URL('https://ghe.example/api/v3/'));
    expect(rel('https://ghe.example/api/v3/repos/x?page=2')).toBe('{baseUrl}/repos/x?page=2');
    expect(rel('https://ghe.example/api/v3')).toBe('{baseUrl}');
    expect(rel('https://ghe.example/api/v31/x')).toBe('https://ghe.example/api/v31/x');
    expect(rel('https://ghe.example/acme')).toBe('https://ghe.example/acme');
    expect(relativizer('http://127.0.0.1:8080')('http://127.0.0.1:80801/x')).toBe('http://127.0.0.1:80801/x');
  });
});
