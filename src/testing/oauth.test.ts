import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './test-server.js';
import { VirtualClock } from './virtual-clock.js';

interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
}

const CLIENT = `Basic ${Buffer.from('app:s3cret').toString('base64')}`;

describe('OAuth token endpoint', () => {
  const clock = new VirtualClock();
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      clock,
      oauth: { clientId: 'app', clientSecret: 's3cret', refreshToken: 'rt-initial', expiresIn: 60 },
    });
  });
  afterAll(() => server.close());

  const token = (form: Record<string, string>, authorization = CLIENT) =>
    fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    });
  const api = (accessToken: string) =>
    fetch(`${server.url}/api/echo`, { headers: { authorization: `Bearer ${accessToken}` } });

  it('issues bearer tokens for client_credentials that /api accepts until they expire', async () => {
    const res = await token({ grant_type: 'client_credentials' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as TokenResponse;
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 60 });
    expect((await api(body.access_token)).status).toBe(200);
    expect((await api('at_forged')).status).toBe(401);
    clock.advance(60_000);
    expect((await api(body.access_token)).status).toBe(401);
  });

  it('rotates refresh tokens: each works once', async () => {
    const first = await token({ grant_type: 'refresh_token', refresh_token: 'rt-initial' });
    const a = (await first.json()) as TokenResponse;
    expect(a.refresh_token).not.toBe('rt-initial');
    const reuse = await token({ grant_type: 'refresh_token', refresh_token: 'rt-initial' });
    expect(reuse.status).toBe(400);
    expect(await reuse.json()).toEqual({ error: 'invalid_grant' });
    const second = (await (
      await token({ grant_type: 'refresh_token', refresh_token: a.refresh_token })
    ).json()) as TokenResponse;
    expect(second.refresh_token).not.toBe(a.refresh_token);
    expect(second.access_token).not.toBe(a.access_token);
    expect((await api(second.access_token)).status).toBe(200);
  });

  it('rejects bad client credentials and unknown grants, and counts every call', async () => {
    server.reset();
    expect((await token({ grant_type: 'client_credentials' }, `Basic ${btoa('app:wrong')}`)).status).toBe(
      401,
    );
    expect((await token({ grant_type: 'password' })).status).toBe(400);
    const viaBody = await token(
      { grant_type: 'client_credentials', client_id: 'app', client_secret: 's3cret' },
      'Bearer not-basic',
    );
    expect(viaBody.status).toBe(200);
    // reset() restored the initial refresh token.
    expect((await token({ grant_type: 'refresh_token', refresh_token: 'rt-initial' })).status).toBe(200);
    expect(server.tokenRequests).toEqual({ total: 4, clientCredentials: 1, refreshToken: 1, rejected: 2 });
  });
});
