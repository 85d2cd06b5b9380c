import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item } from './dataset.js';
import { startTestServer, type TestServer } from './test-server.js';

async function getJson(url: string): Promise<{ status: number; headers: Headers; body: unknown }> {
  const res = await fetch(url);
  return { status: res.status, headers: res.headers, body: await res.json() };
}

function ids(items: unknown): number[] {
  return (items as Item[]).map((item) => item.id);
}

describe('startTestServer routes', () => {
  let server: TestServer;
  const all = Array.from({ length: 23 }, (_, i) => i + 1);

  beforeAll(async () => {
    server = await startTestServer({ items: 23, seed: 3 });
  });
  afterAll(() => server.close());

  it('serves deterministic items for a seed', async () => {
    const again = await startTestServer({ items: 23, seed: 3 });
    const other = await startTestServer({ items: 23, seed: 4 });
    expect(again.items).toEqual(server.items);
    expect(other.items).not.toEqual(server.items);
    await Promise.all([again.close(), other.close()]);
    const { body } = await getJson(`${server.url}/api/items/5`);
    expect(body).toEqual(server.items[4]);
    expect(Object.keys(body as object).sort()).toEqual(['id', 'name', 'updated_at', 'value']);
    expect((await fetch(`${server.url}/api/items/99`)).status).toBe(404);
  });

  it('walks Link pages in order, keeping other query params', async () => {
    const seen: number[] = [];
    let url: string | undefined = `${server.url}/api/link/items?per_page=5&state=open`;
    const links: string[] = [];
    while (url) {
      const res = await getJson(url);
      seen.push(...ids(res.body));
      const link = res.headers.get('link') ?? '';
      links.push(link);
      url = /<([^>]+)>; rel="next"/.exec(link)?.[1];
      if (url) expect(new URL(url).searchParams.get('state')).toBe('open');
    }
    expect(seen).toEqual(all);
    expect(links[0]).toBe(
      `<${server.url}/api/link/items?per_page=5&state=open&page=2>; rel="next", ` +
        `<${server.url}/api/link/items?per_page=5&state=open&page=5>; rel="last"`,
    );
    expect(links.at(-1)).toContain('rel="prev"');
    expect(links.at(-1)).not.toContain('rel="next"');
  });

  it('walks next-URL pages (Django REST style)', async () => {
    const seen: number[] = [];
    let url: string | null = `${server.url}/api/next/items?page_size=4`;
    let previous: unknown = 'unset';
    while (url) {
      const { body } = await getJson(url);
      const page = body as { count: number; next: string | null; previous: string | null; results: Item[] };
      expect(page.count).toBe(23);
      if (seen.length === 0) previous = page.previous;
      seen.push(...ids(page.results));
      url = page.next;
    }
    expect(previous).toBeNull();
    expect(seen).toEqual(all);
  });

  it('walks cursor pages; the last page omits nextPageToken', async () => {
    const seen: number[] = [];
    let token: string | undefined = '';
    let last: Record<string, unknown> = {};
    while (token !== undefined) {
      const { body } = await getJson(`${server.url}/api/cursor/items?maxResults=6&nextPageToken=${token}`);
      last = body as Record<string, unknown>;
      seen.push(...ids(last.issues));
      token = last.isLast ? undefined : (last.nextPageToken as string);
    }
    expect(seen).toEqual(all);
    expect(last).not.toHaveProperty('nextPageToken');
    expect((await fetch(`${server.url}/api/cursor/items?nextPageToken=bogus`)).status).toBe(400);
  });

  it('walks startAt/maxResults pages', async () => {
    const seen: number[] = [];
    let startAt = 0;
    for (;;) {
      const { body } = await getJson(`${server.url}/api/offset/items?startAt=${startAt}&maxResults=7`);
      const page = body as { startAt: number; total: number; isLast: boolean; values: Item[] };
      expect(page).toMatchObject({ startAt, maxResults: 7, total: 23 });
      seen.push(...ids(page.values));
      if (page.isLast) break;
      startAt += page.values.length;
    }
    expect(seen).toEqual(all);
  });

  it('walks Octopus skip/take pages with a 0-based LastPageNumber', async () => {
    const seen: number[] = [];
    const first = (await getJson(`${server.url}/api/page/items?skip=0&take=10`)).body as Record<
      string,
      unknown
    >;
    expect(first).toMatchObject({ ItemType: 'Item', TotalResults: 23, ItemsPerPage: 10, NumberOfPages: 3 });
    expect(first.LastPageNumber).toBe(2);
    for (let page = 0; page <= (first.LastPageNumber as number); page++) {
      const { body } = await getJson(`${server.url}/api/page/items?skip=${page * 10}&take=10`);
      seen.push(...ids((body as { Items: Item[] }).Items));
    }
    expect(seen).toEqual(all);
  });

  it('walks plain page-number pages', async () => {
    const seen: number[] = [];
    let lastPage = 1;
    for (let page = 1; page <= lastPage; page++) {
      const { body } = await getJson(`${server.url}/api/pages/items?page=${page}&per_page=10`);
      const res = body as { page: number; last_page: number; data: Item[] };
      expect(res.page).toBe(page);
      lastPage = res.last_page;
      seen.push(...ids(res.data));
    }
    expect(lastPage).toBe(3);
    expect(seen).toEqual(all);
  });

  it('echoes headers, answers any status and stamps x-request-id', async () => {
    const res = await fetch(`${server.url}/api/echo`, { headers: { 'x-probe': 'yes' } });
    const body = (await res.json()) as { method: string; headers: Record<string, string> };
    expect(body.method).toBe('GET');
    expect(body.headers['x-probe']).toBe('yes');
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^req-\d+$/);
    expect(server.requests.find((r) => r.id === id)).toMatchObject({ url: '/api/echo', status: 200 });

    const teapot = await fetch(`${server.url}/api/status/418`);
    expect(teapot.status).toBe(418);
    expect(await teapot.json()).toEqual({ message: 'status 418' });
    const busy = await fetch(`${server.url}/api/status/503?retry_after=4`);
    expect(busy.headers.get('retry-after')).toBe('4');
    expect((await fetch(`${server.url}/nowhere`)).headers.get('x-request-id')).toMatch(/^req-/);
  });

  it('serves broken bodies and links', async () => {
    const invalid = await fetch(`${server.url}/api/broken/invalid-json`);
    expect(invalid.headers.get('content-type')).toContain('application/json');
    expect(await invalid.text()).toBe('{"truncated": [1, 2');
    expect((await getJson(`${server.url}/api/broken/not-objects`)).body).toEqual([1, 'two', null]);
    const badLink = await getJson(`${server.url}/api/broken/bad-link`);
    expect(badLink.headers.get('link')).toBe('https://x.test/page2; rel=next');
    const loop = (await getJson(`${server.url}/api/broken/cursor-loop?nextPageToken=again`)).body;
    expect(loop).toMatchObject({ nextPageToken: 'again', isLast: false });
  });

  it('streams a huge body of exactly the requested size as valid JSON', async () => {
    const res = await fetch(`${server.url}/api/broken/huge?bytes=300000`);
    expect(res.headers.get('content-length')).toBeNull();
    const text = await res.text();
    expect(Buffer.byteLength(text)).toBe(300_000);
    expect(Array.isArray(JSON.parse(text))).toBe(true);
    const declared = await fetch(`${server.url}/api/broken/huge?bytes=1000&content_length=1`);
    expect(declared.headers.get('content-length')).toBe('1000');
    expect((await declared.text()).length).toBe(1000);
  });

  it('redirects', async () => {
    const res = await fetch(
      `${server.url}/api/redirect?to=${encodeURIComponent('https://x.test/a')}&status=307`,
      {
        redirect: 'manual',
      },
    );
    expect(res.status).toBe(307);
    expect(res.headers.get('location')).toBe('https://x.test/a');
    expect((await fetch(`${server.url}/api/redirect?to=https://x.test&status=200`)).status).toBe(400);
  });
});

describe('cross-origin routes', () => {
  it('point links, next URLs and redirects at the other origin', async () => {
    const other = await startTestServer();
    const server = await startTestServer({ otherOrigin: other.origin });
    try {
      const link = await fetch(`${server.url}/api/cross/link`);
      expect(link.headers.get('link')).toBe(`<${other.origin}/api/link/items?page=2>; rel="next"`);
      const next = (await (await fetch(`${server.url}/api/cross/next`)).json()) as { next: string };
      expect(next.next).toBe(`${other.origin}/api/echo-page`);
      expect(await (await fetch(next.next)).json()).toEqual({ results: [], next: null });
      const followed = await fetch(`${server.url}/api/cross/redirect`, { headers: { 'x-probe': '1' } });
      expect(followed.url).toBe(`${other.origin}/api/echo`);
      expect(other.requests.map((r) => r.url)).toEqual(['/api/echo-page', '/api/echo']);
    } finally {
      await Promise.all([server.close(), other.close()]);
    }
  });
});

describe('slow route', () => {
  it('waits real time, and does not hold up close()', async () => {
    const server = await startTestServer();
    const quick = Date.now();
    await fetch(`${server.url}/api/slow?ms=30`);
    expect(Date.now() - quick).toBeGreaterThanOrEqual(25);

    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const pending = fetch(`${server.url}/api/slow?ms=60000`).then(
      () => 'answered',
      () => 'failed',
    );
    while (server.requests.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = Date.now();
    await server.close();
    expect(await pending).toBe('failed');
    expect(Date.now() - started).toBeLessThan(1000);
    await new Promise((resolve) => setImmediate(resolve));
    const timersAfter = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(timersAfter).toBeLessThanOrEqual(timersBefore);
  });
});

describe('reset()', () => {
  it('clears the logs in place', async () => {
    const server = await startTestServer();
    try {
      const { requests } = server;
      await fetch(`${server.url}/api/echo`);
      expect(requests).toHaveLength(1);
      server.reset();
      expect(server.requests).toBe(requests);
      expect(requests).toHaveLength(0);
    } finally {
      await server.close();
    }
  });
});
