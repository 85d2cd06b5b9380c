import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadManifest } from '../manifest/load.js';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { connect } from './connect.js';

let dir: string;
let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function manifest(connection: string) {
  dir = await mkdtemp(join(tmpdir(), 'inlet-connect-'));
  await writeFile(
    join(dir, 'inlet.yaml'),
    `name: connect
config:
  baseUrl: { type: url, required: true }
  clientSecret: { type: secret }
  oauthToken: { type: secret }
  user: { type: string }
  password: { type: secret }
connection:
${connection}
resources:
  item: { request: { path: /api/echo } }
`,
  );
  return dir;
}

describe('connect (manifest §3)', () => {
  it('fetches an OAuth2 client-credentials token once and keeps the secret out of errors', async () => {
    server = await startTestServer({ oauth: { clientId: 'inlet', clientSecret: 'cs-secret-value-123' } });
    const path = await manifest(`  baseUrl: "{config.baseUrl}"
  auth:
    type: oauth2
    tokenUrl: /oauth/token
    clientId: inlet
    clientSecret: "{config.clientSecret}"
    grant: client_credentials`);
    const loaded = await loadManifest(path, {
      set: [`baseUrl=${server.url}`, 'clientSecret=cs-secret-value-123'],
    });
    const client = connect(loaded);
    try {
      const first = await client.get<{ headers: Record<string, string> }>('/api/echo');
      await client.get('/api/echo');
      expect(first.data.headers.authorization).toMatch(/^Bearer \S+/);
      expect(server.tokenRequests.total).toBe(1);
      const error = await client.get('/api/status/404').catch((e: Error) => e);
      expect(String((error as Error).message)).not.toContain('cs-secret-value-123');
    } finally {
      await client.close();
    }
  });

  it('uses the first auth of a list whose `when` renders non-empty', async () => {
    server = await startTestServer({ credentials: { basic: { username: 'me', password: 'pw-secret' } } });
    const path = await manifest(`  baseUrl: "{config.baseUrl}"
  auth:
    - { type: bearer, token: "{config.oauthToken}", when: "{config.oauthToken}" }
    - { type: basic, username: "{config.user}", password: "{config.password}", when: "{config.user}" }`);
    const loaded = await loadManifest(path, {
      set: [`baseUrl=${server.url}`, 'user=me', 'password=pw-secret'],
    });
    const client = connect(loaded);
    try {
      const { data } = await client.get<{ headers: Record<string, string> }>('/api/echo');
      expect(data.headers.authorization).toBe(`Basic ${Buffer.from('me:pw-secret').toString('base64')}`);
    } finally {
      await client.close();
    }
  });
});
