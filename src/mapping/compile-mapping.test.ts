import { describe, expect, it } from 'vitest';
import { isInletError } from '../errors/errors.js';
import { compileMapping } from './compile-mapping.js';

const entity = (mappings: Record<string, unknown>) => ({ entity: { mappings } });
const repo = { identifier: '.full_name', title: '.name', blueprint: '"repo"' };

async function configError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(isInletError(e, 'E_CONFIG')).toBe(true);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('compileMapping', () => {
  it('applies defaults and keeps several entries of one kind in order', async () => {
    const { mapping, warnings } = await compileMapping(
      {
        resources: [
          { kind: 'repository', port: entity(repo) },
          {
            kind: 'repository',
            selector: { query: '.archived' },
            port: entity({ ...repo, blueprint: '"b2"' }),
          },
        ],
      },
      { foreign: false, kinds: ['repository'] },
    );
    expect(warnings).toEqual([]);
    expect(mapping.deleteStaleEntities).toBe(true);
    expect(mapping.deletionThreshold).toBe(0.9);
    expect(mapping.entries.map((e) => [e.kind, e.programs.blueprint, e.programs.selector])).toEqual([
      ['repository', '"repo"', 'true'],
      ['repository', '"b2"', '.archived'],
    ]);
    expect(mapping.entries[0]?.fast).not.toBeNull();
  });

  it('names the field path of a bad jq program', async () => {
    const spec = {
      resources: [
        { kind: 'a', port: entity(repo) },
        { kind: 'a', port: entity(repo) },
        { kind: 'a', port: entity({ ...repo, identifier: '.x |' }) },
      ],
    };
    expect(await configError(compileMapping(spec, { foreign: false, kinds: ['a'] }))).toMatch(
      /^mapping\.resources\[2\]\.port\.entity\.mappings\.identifier: jq: syntax error/,
    );
    const props = { resources: [{ kind: 'a', port: entity({ ...repo, properties: { u: 'nope(1)' } }) }] };
    expect(await configError(compileMapping(props, { foreign: true, kinds: ['a'], file: 'x.yml' }))).toMatch(
      /^x\.yml: resources\[0\]\.port\.entity\.mappings\.properties\.u: jq: nope\/1 is not defined/,
    );
  });

  it('strict: unknown keys and kinds are errors', async () => {
    const unknownKey = {
      resources: [{ kind: 'a', selector: { query: 'true', states: ['open'] }, port: entity(repo) }],
    };
    expect(await configError(compileMapping(unknownKey, { foreign: false, kinds: ['a'] }))).toBe(
      'mapping.resources[0].selector.states: unknown key',
    );
    expect(await configError(compileMapping({ repositoryType: 'all' }, { foreign: false, kinds: [] }))).toBe(
      'mapping.repositoryType: unknown key',
    );
    const unknownKind = { resources: [{ kind: 'team', port: entity(repo) }] };
    expect(await configError(compileMapping(unknownKind, { foreign: false, kinds: ['a'] }))).toMatch(
      /^mapping\.resources\[0\]\.kind: unknown kind "team"/,
    );
  });

  it('foreign: unknown keys and kinds go into one warning, bad programs of unknown kinds are ignored', async () => {
    const { mapping, warnings } = await compileMapping(
      {
        enableMergeEntity: true,
        resources: [
          { kind: 'team', port: entity({ ...repo, identifier: 'broken(' }) },
          { kind: 'a', selector: { query: 'true', includedFiles: ['README.md'] }, port: entity(repo) },
        ],
      },
      { foreign: true, kinds: ['a'], file: 'port-app-config.yml' },
    );
    expect(mapping.entries).toHaveLength(1);
    expect(warnings).toEqual([
      'port-app-config.yml: ignoring keys Inlet does not use: enableMergeEntity, resources[1].selector.includedFiles;' +
        ' ignoring kinds this integration does not read: team',
    ]);
  });

  it('validates shapes and options', async () => {
    const opts = { foreign: false, kinds: ['a'] };
    expect(await configError(compileMapping({ deletionThreshold: 2 }, opts))).toMatch(/deletionThreshold/);
    expect(await configError(compileMapping({ deleteStaleEntities: 'yes' }, opts))).toMatch(
      /deleteStaleEntities/,
    );
    expect(await configError(compileMapping({ resources: {} }, opts))).toMatch(/resources: must be a list/);
    const noId = { resources: [{ kind: 'a', port: entity({ blueprint: '"b"' }) }] };
    expect(await configError(compileMapping(noId, opts))).toBe(
      'mapping.resources[0].port.entity.mappings.identifier: must be a non-empty jq program (string)',
    );
    const { mapping } = await compileMapping(undefined, opts);
    expect(mapping.entries).toEqual([]);
  });

  it('checks programs against the declared variables', async () => {
    const spec = {
      resources: [{ kind: 'a', port: entity({ ...repo, relations: { org: '$org', p: '$parent.id' } }) }],
    };
    expect(await configError(compileMapping(spec, { foreign: false, kinds: ['a'] }))).toMatch(
      /\$org is not defined/,
    );
    const { mapping } = await compileMapping(spec, { foreign: false, kinds: ['a'], vars: ['org'] });
    expect(mapping.entries[0]?.vars).toEqual(['parent', 'org']);
  });
});
