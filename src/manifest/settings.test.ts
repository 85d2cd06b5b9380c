import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isInletError } from '../errors/errors.js';
import type { Setting } from './schema.js';
import { resolveSettings } from './settings.js';

const config: Record<string, Setting> = {
  token: { type: 'secret', env: 'ACME_TOKEN' },
  baseUrl: { type: 'url', env: 'ACME_BASE_URL', default: 'https://api.acme.test' },
  orgs: { type: 'list', env: 'ACME_ORGS', required: true },
  state: { type: 'string', enum: ['open', 'closed', 'all'], default: 'open' },
  size: { type: 'number', env: 'ACME_SIZE' },
  debug: { type: 'boolean', env: 'ACME_DEBUG' },
};

async function configFile(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'inlet-settings-'));
  const file = join(dir, 'settings.yaml');
  await writeFile(file, text);
  return file;
}

function message(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(isInletError(error, 'E_CONFIG')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveSettings', () => {
  it('takes --set over --config over env over default', async () => {
    const file = await configFile('state: closed\nsize: 7\norgs: [x, y]\n');
    const env = { ACME_ORGS: 'a,b', ACME_SIZE: '3', ACME_DEBUG: 'yes' };
    expect(resolveSettings(config, { env }).values).toEqual({
      baseUrl: 'https://api.acme.test',
      orgs: ['a', 'b'],
      state: 'open',
      size: 3,
      debug: true,
    });
    const withFile = resolveSettings(config, { env, configFile: file }).values;
    expect(withFile).toMatchObject({ orgs: ['x', 'y'], state: 'closed', size: 7 });
    const withSet = resolveSettings(config, {
      env,
      configFile: file,
      set: ['state=all', 'orgs=q, r ,', 'debug=0'],
    });
    expect(withSet.values).toMatchObject({ orgs: ['q', 'r'], state: 'all', size: 7, debug: false });
  });

  it('collects secret values for redaction', () => {
    const resolved = resolveSettings(config, { env: { ACME_ORGS: 'a', ACME_TOKEN: 's3cret-value' } });
    expect(resolved.values.token).toBe('s3cret-value');
    expect(resolved.secrets).toEqual(['s3cret-value']);
  });

  const env = { ACME_ORGS: 'a' };
  const cases: Array<[string, () => unknown, RegExp]> = [
    [
      'missing required',
      () => resolveSettings(config, {}),
      /^setting "orgs" is required: pass --set orgs=…, put it in --config, or set ACME_ORGS$/,
    ],
    [
      'bad url',
      () => resolveSettings(config, { env, set: ['baseUrl=ftp://x'] }),
      /setting "baseUrl" must be an absolute http\(s\) URL, got "ftp:\/\/x" \(from --set\)/,
    ],
    [
      'relative url',
      () => resolveSettings(config, { env: { ...env, ACME_BASE_URL: '/api' } }),
      /"baseUrl" must be an absolute .* \(from ACME_BASE_URL\)/,
    ],
    [
      'enum violation',
      () => resolveSettings(config, { env, set: ['state=merged'] }),
      /setting "state" must be one of open, closed, all, got "merged"/,
    ],
    [
      'number given abc',
      () => resolveSettings(config, { env: { ...env, ACME_SIZE: 'abc' } }),
      /setting "size" must be a number, got "abc" \(from ACME_SIZE\)/,
    ],
    [
      'bad boolean',
      () => resolveSettings(config, { env, set: ['debug=maybe'] }),
      /setting "debug" must be a boolean/,
    ],
    [
      'unknown --set key',
      () => resolveSettings(config, { env, set: ['colour=red'] }),
      /--set colour: unknown setting "colour" \(known: token, baseUrl/,
    ],
    [
      '--set without =',
      () => resolveSettings(config, { env, set: ['state'] }),
      /--set "state": expected key=value/,
    ],
  ];
  it.each(cases)('%s', (_label, run, expected) => {
    const text = message(run);
    expect(text).not.toContain('\n');
    expect(text).toMatch(expected);
  });

  it('names the --config file and line, and rejects unknown keys there', async () => {
    const bad = await configFile('orgs: [a]\nsize: lots\n');
    expect(message(() => resolveSettings(config, { configFile: bad }))).toMatch(
      /"size" must be a number, got "lots" \(from .*settings\.yaml:2\)/,
    );
    const unknown = await configFile('orgs: [a]\ncolor: red\n');
    expect(message(() => resolveSettings(config, { configFile: unknown }))).toMatch(
      /settings\.yaml:2: color: unknown setting/,
    );
  });

  it('never shows a secret value in a message', () => {
    const secret = { key: { type: 'secret', enum: ['allowed-one'] } } satisfies Record<string, Setting>;
    const text = message(() => resolveSettings(secret, { set: ['key=hunter2-secret'] }));
    expect(text).toContain('***');
    expect(text).not.toContain('hunter2');
  });
});
