import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isInletError } from '../errors/errors.js';
import { loadManifest } from './load.js';
import type { SettingsOptions } from './settings.js';

const dirs: string[] = [];
afterEach(async () => {
  while (dirs.length) await rm(dirs.pop()!, { recursive: true, force: true });
});

const SECRET = 'tenant-secret-value-9';

/** A manifest whose `connection` and `item` request are given, with a url, a secret and a name setting. */
function manifest(connection: string, request = 'request: { path: /items }'): string {
  return `name: acme
config:
  base: { type: url, default: "https://api.acme.test/v1" }
  extra: { type: secret }
  kname: { type: string, default: X-Key }
connection:
${connection}
resources:
  item:
    ${request}
`;
}

/** The one-line E_CONFIG a manifest is refused with, its folder replaced by `<dir>`. */
async function refused(text: string, options: SettingsOptions = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'inlet-rendered-'));
  dirs.push(dir);
  await writeFile(join(dir, 'inlet.yaml'), text);
  try {
    await loadManifest(dir, options);
  } catch (error) {
    expect(isInletError(error, 'E_CONFIG')).toBe(true);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message).not.toContain(SECRET);
    return message.replace(dir, '<dir>');
  }
  throw new Error('expected the manifest to be refused');
}

async function loads(text: string, options: SettingsOptions = {}): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'inlet-rendered-'));
  dirs.push(dir);
  await writeFile(join(dir, 'inlet.yaml'), text);
  await loadManifest(dir, options);
}

describe('load refuses a baseUrl with a query or fragment', () => {
  it.each([
    ['a literal query', '  baseUrl: "https://api.acme.test/v1?x=1"', {}, 'a query'],
    ['a literal fragment', '  baseUrl: "https://api.acme.test/v1#frag"', {}, 'a fragment'],
    [
      'a setting with a query',
      '  baseUrl: "{config.base}"',
      { set: ['base=https://api.acme.test/v1?x=1'] },
      'a query',
    ],
  ])('%s', async (_, connection, options, what) => {
    const message = await refused(manifest(connection), options);
    expect(message).toMatch(
      new RegExp(`^<dir>/inlet.yaml:7: connection.baseUrl: renders to https://api.acme.test/v1 with ${what}`),
    );
    expect(message).not.toContain('x=1');
  });

  it('accepts a plain base URL with a path', async () => {
    await loads(manifest('  baseUrl: "{config.base}"'));
  });
});

describe('load refuses a header value with CR or LF', () => {
  it('in connection.headers, from a secret setting, naming the header and not the value', async () => {
    const message = await refused(
      manifest('  baseUrl: "{config.base}"\n  headers: { X-Tenant-Key: "{config.extra}" }'),
      { set: [`extra=${SECRET}\r\nX-Injected: 1`] },
    );
    expect(message).toBe(
      '<dir>/inlet.yaml:8: connection.headers.X-Tenant-Key: header value contains CR, LF or NUL, which HTTP forbids (RFC 9110 §5.5)',
    );
  });

  it('in a request header written with an escaped newline, even beside per-chain placeholders', async () => {
    const message = await refused(
      manifest(
        '  baseUrl: "{config.base}"',
        'for: { org: [a] }\n    request: { path: /items, headers: { X-Org: "{org}\\nX-Injected: 1" } }',
      ),
    );
    expect(message).toMatch(/resources\.item\.request\.headers\.X-Org: header value contains CR, LF or NUL/);
  });

  it('in a bearer token or an apiKey header value', async () => {
    const bearer = await refused(
      manifest('  baseUrl: "{config.base}"\n  auth: { type: bearer, token: "{config.extra}" }'),
      { set: [`extra=${SECRET}\n`] },
    );
    expect(bearer).toMatch(/:8: connection\.auth\.token: header value contains CR/);
    const apiKey = await refused(
      manifest(
        '  baseUrl: "{config.base}"\n  auth:\n    - { type: apiKey, in: header, name: X-Key, value: "{config.extra}" }',
      ),
      { set: [`extra=${SECRET}\r`] },
    );
    expect(apiKey).toMatch(/:9: connection\.auth\[0\]\.value: header value contains CR/);
  });
});

describe('load refuses a placeholder in a field that is not rendered', () => {
  it.each([
    [
      'an apiKey name',
      '  auth: { type: apiKey, in: header, name: "{config.kname}", value: "{config.extra}" }',
      'connection.auth.name: {config.kname} is not rendered here',
    ],
    [
      'an apiKey prefix',
      '  auth: { type: apiKey, in: header, name: X-Key, prefix: "{config.kname}", value: k }',
      'connection.auth.prefix: {config.kname}',
    ],
    [
      'an oauth2 scope in a list of auths',
      '  auth:\n    - { type: oauth2, tokenUrl: /t, clientId: c, clientSecret: s, grant: client_credentials, scopes: ["{config.kname}"] }',
      'connection.auth[0].scopes[0]: {config.kname}',
    ],
    [
      'a rate-limit header name',
      '  rateLimit: { headers: { remaining: "{config.kname}", reset: x-reset } }',
      'connection.rateLimit.headers.remaining: {config.kname}',
    ],
    [
      'a header name',
      '  headers: { "{config.kname}": v }',
      'connection.headers.{config.kname}: {config.kname}',
    ],
  ])('%s', async (_, extra, expected) => {
    const message = await refused(manifest(`  baseUrl: "{config.base}"\n${extra}`));
    expect(message).toContain(expected);
    expect(message).toMatch(/^<dir>\/inlet\.yaml:\d+: /);
  });

  it('a query parameter name in a request', async () => {
    const message = await refused(
      manifest('  baseUrl: "{config.base}"', 'request: { path: /items, query: { "{config.kname}": 1 } }'),
    );
    expect(message).toContain(
      'resources.item.request.query.{config.kname}: {config.kname} is not rendered here',
    );
  });
});
