import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './test-server.js';

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('credential check', () => {
  let server: TestServer;
  let keyInQuery: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      credentials: {
        bearer: 'tok-123',
        basic: { username: 'ann', password: 'p:w' },
        apiKey: { in: 'header', name: 'authorization', prefix: 'Token', value: 'k-456' },
      },
    });
    keyInQuery = await startTestServer({
      credentials: { apiKey: { in: 'query', name: 'api_key', value: 'q-789' } },
    });
  });
  afterAll(() => Promise.all([server.close(), keyInQuery.close()]));

  const status = async (url: string, authorization?: string) =>
    (await fetch(url, { headers: authorization ? { authorization } : {} })).status;

  it('answers 401 Bad credentials without or with wrong credentials', async () => {
    const res = await fetch(`${server.url}/api/link/items`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await res.json()).toMatchObject({ message: 'Bad credentials' });
    expect(await status(`${server.url}/api/echo`, 'Bearer tok-999')).toBe(401);
    expect(await status(`${server.url}/api/echo`, 'Bearer ')).toBe(401);
    expect(await status(`${server.url}/api/echo`, basic('ann', 'nope'))).toBe(401);
    expect(await status(`${server.url}/api/echo`, 'Token wrong')).toBe(401);
    expect(await status(`${server.url}/api/echo`, 'k-456')).toBe(401);
    expect(await status(`${keyInQuery.url}/api/echo?api_key=nope`)).toBe(401);
    expect(await status(`${keyInQuery.url}/api/echo`)).toBe(401);
  });

  it('accepts bearer, basic and API keys in a header or the query', async () => {
    expect(await status(`${server.url}/api/echo`, 'Bearer tok-123')).toBe(200);
    expect(await status(`${server.url}/api/echo`, 'bearer tok-123')).toBe(200);
    expect(await status(`${server.url}/api/echo`, basic('ann', 'p:w'))).toBe(200);
    expect(await status(`${server.url}/api/echo`, 'Token k-456')).toBe(200);
    expect(await status(`${keyInQuery.url}/api/echo?api_key=q-789`)).toBe(200);
  });

  it('leaves routes outside /api open', async () => {
    expect(await status(`${server.url}/elsewhere`)).toBe(404);
  });
});
