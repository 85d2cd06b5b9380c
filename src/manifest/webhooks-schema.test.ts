import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isInletError } from '../errors/errors.js';
import { loadManifest } from './load.js';
import { parseSize } from './webhooks-schema.js';

const HEAD = [
  'name: acme',
  'config: { secret: { type: secret, env: ACME_HOOK_SECRET } }',
  'connection: { baseUrl: "https://api.acme.test" }',
  'resources:',
  '  item:',
  '    request: { path: "/items" }',
  'webhooks:',
  '  path: /webhooks/acme',
].join('\n');
const VERIFY = '  verify: { type: hmac-sha256, header: X-Sig, prefix: "sha256=", secret: "{config.secret}" }';
const EVENTS = [
  '  events:',
  '    - when: .body.type == "item"',
  '      kind: item',
  '      record: .body.item',
].join('\n');

async function load(lines: string[]) {
  const dir = await mkdtemp(join(tmpdir(), 'inlet-webhooks-'));
  await writeFile(join(dir, 'inlet.yaml'), `${[HEAD, ...lines].join('\n')}\n`);
  return loadManifest(dir);
}

async function failure(lines: string[]): Promise<string> {
  const error = await load(lines).catch((e: unknown) => e);
  expect(isInletError(error, 'E_CONFIG')).toBe(true);
  return (error as Error).message.replace(/^.*inlet\.yaml/, 'inlet.yaml');
}

describe('webhooks schema', () => {
  it('loads a full block; maxBodySize in bytes', async () => {
    const { manifest } = await load([
      '  maxBodySize: 2MiB',
      VERIFY,
      '  deliveryId: { header: X-Id }',
      EVENTS,
    ]);
    expect(manifest.webhooks).toMatchObject({
      path: '/webhooks/acme',
      maxBodySize: 2 * 1024 * 1024,
      verify: { type: 'hmac-sha256', header: 'X-Sig', secret: '{config.secret}' },
      deliveryId: { header: 'X-Id' },
      events: [{ kind: 'item', record: '.body.item' }],
    });
  });

  it('sizes: units and plain bytes', () => {
    expect([
      parseSize('5MiB'),
      parseSize('1MB'),
      parseSize('512KiB'),
      parseSize('10 kB'),
      parseSize(7),
    ]).toEqual([5_242_880, 1_000_000, 524_288, 10_000, 7]);
    expect(parseSize('5 parsecs')).toBeNaN();
  });

  it.each([
    [
      'unknown event kind',
      [VERIFY, EVENTS.replace('kind: item', 'kind: widget')],
      /:12: webhooks\.events\[0\]\.kind: unknown kind "widget" \(resources has: item\)/,
    ],
    [
      'verify without secret',
      ['  verify: { type: header, header: X-Secret }', EVENTS],
      /:9: webhooks\.verify\.secret: verify type header needs a secret/,
    ],
    [
      'unknown verify type',
      ['  verify: { type: md5, header: X }', EVENTS],
      /webhooks\.verify\.type: unknown verify type "md5"/,
    ],
    [
      'bad size',
      ['  maxBodySize: 5 parsecs', VERIFY, EVENTS],
      /webhooks\.maxBodySize: "5 parsecs" is not a size/,
    ],
    ['verify is required', [EVENTS], /webhooks\.verify: is required/],
    [
      'unknown key in an event',
      [VERIFY, `${EVENTS}\n      extra: 1`],
      /webhooks\.events\[0\]\.extra: unknown key/,
    ],
    [
      'unknown placeholder in the secret',
      [VERIFY.replace('config.secret', 'config.nope'), EVENTS],
      /webhooks\.verify\.secret: placeholder \{config\.nope\} names unknown setting/,
    ],
  ])('%s', async (_label, lines, expected) => {
    expect(await failure(lines)).toMatch(expected);
  });
});
