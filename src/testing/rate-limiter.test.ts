import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './test-server.js';
import { VirtualClock } from './virtual-clock.js';

describe('rate limiter', () => {
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ clock, rateLimit: { limit: 3, windowMs: 60_000 } });
  });
  afterAll(() => server.close());

  const get = () => fetch(`${server.url}/api/echo`);
  const rateHeaders = (res: Response) =>
    Object.fromEntries([...res.headers].filter(([name]) => name.startsWith('x-ratelimit-')));

  it('announces the budget, answers 403 once spent, and records requests that ignore remaining: 0', async () => {
    const reset = String(Date.UTC(2026, 0, 1, 0, 1) / 1000);
    const first = await get();
    expect(rateHeaders(first)).toEqual({
      'x-ratelimit-limit': '3',
      'x-ratelimit-remaining': '2',
      'x-ratelimit-reset': reset,
      'x-ratelimit-used': '1',
      'x-ratelimit-resource': 'core',
    });
    await get();
    const last = await get();
    expect(last.status).toBe(200);
    expect(last.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(server.violations).toHaveLength(0);

    const over = await get();
    expect(over.status).toBe(403);
    expect(rateHeaders(over)).toMatchObject({ 'x-ratelimit-remaining': '0', 'x-ratelimit-used': '3' });
    expect(((await over.json()) as { message: string }).message).toMatch(/^API rate limit exceeded/);
    expect(server.violations.map((r) => r.id)).toEqual([over.headers.get('x-request-id')]);

    clock.advance(60_000);
    const fresh = await get();
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('x-ratelimit-remaining')).toBe('2');
    expect(Number(fresh.headers.get('x-ratelimit-reset'))).toBe(Number(reset) + 60);
    expect(server.violations).toHaveLength(1);
  });

  it('starts a fresh window after reset()', async () => {
    server.reset();
    for (let i = 0; i < 3; i++) expect((await get()).status).toBe(200);
    expect((await get()).status).toBe(403);
  });

  it('starts from a partly spent first window, then fresh ones', async () => {
    const local = new VirtualClock(Date.UTC(2026, 0, 1));
    const partly = await startTestServer({
      clock: local,
      rateLimit: { limit: 10, windowMs: 60_000, firstWindow: { remaining: 2, resetInMs: 5000 } },
    });
    try {
      const call = () => fetch(`${partly.url}/api/echo`);
      const first = await call();
      expect(first.headers.get('x-ratelimit-remaining')).toBe('1');
      expect(first.headers.get('x-ratelimit-reset')).toBe(String(Date.UTC(2026, 0, 1, 0, 0, 5) / 1000));
      await call();
      expect((await call()).status).toBe(403);
      local.advance(5000);
      expect((await call()).headers.get('x-ratelimit-remaining')).toBe('9');
    } finally {
      await partly.close();
    }
  });
});
