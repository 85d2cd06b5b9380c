import { describe, expect, it } from 'vitest';
import { type CompiledMapping, compileMapping } from './compile-mapping.js';
import { mapPage } from './map-page.js';

const compile = async (resources: unknown[], vars: string[] = []) =>
  (await compileMapping({ resources }, { foreign: false, kinds: ['repo', 'pr'], vars })).mapping;

/** The same mapping with the fast path turned off, so every field runs in the jq page program. */
const jqOnly = (m: CompiledMapping): CompiledMapping => ({
  ...m,
  entries: m.entries.map((e) => ({ ...e, fast: null })),
});

/** Per field of the first entry: does it run in jq (true) or in JS (false)? */
const inJq = (m: CompiledMapping) => m.entries[0]?.fast?.fields.map((f) => f === null);

const plain = {
  kind: 'repo',
  selector: { query: '.archived' },
  port: {
    entity: {
      mappings: {
        identifier: '.id',
        title: '.name',
        blueprint: '"githubRepository"',
        properties: { url: '.html_url', deep: '.meta.a.b', quoted: '.meta["k k"]', lang: '.language' },
        relations: { owner: '.owner.login', parent: '$parent.login', org: '$org' },
      },
    },
  },
};

const records = [
  {
    id: 1,
    name: 'one',
    archived: true,
    html_url: 'u1',
    meta: { a: { b: 1 }, 'k k': 'q' },
    owner: { login: 'o' },
  },
  { id: 'two', name: 'two', archived: true, meta: { a: 'string' }, owner: null, language: null },
  { id: 3, name: 'three', archived: false },
  { id: '', name: 'empty-id', archived: true },
  { id: null, name: 'null-id', archived: true },
  { id: 6, name: { x: 1 }, archived: true, meta: [1] },
];

describe('mapPage', () => {
  it('maps with the fast path and the jq path identically', async () => {
    const mapping = await compile([plain], ['org']);
    expect(mapping.entries[0]?.fast).not.toBeNull();
    const bindings = { parent: { login: 'acme' }, vars: { org: 'acme-org' } };
    const fast = await mapPage(mapping, 'repo', records, bindings);
    const slow = await mapPage(jqOnly(mapping), 'repo', records, bindings);
    expect(slow).toEqual(fast);
    expect(fast.filtered).toBe(1);
    expect(fast.skipped).toBe(2);
    expect(fast.entities).toEqual([
      {
        blueprint: 'githubRepository',
        identifier: '1',
        title: 'one',
        properties: { url: 'u1', deep: 1, quoted: 'q', lang: null },
        relations: { owner: 'o', parent: 'acme', org: 'acme-org' },
      },
      {
        blueprint: 'githubRepository',
        identifier: 'two',
        title: 'two',
        // `.meta.a.b` on a string is a jq error: the field is null, the record still maps (as in Ocean).
        properties: { url: null, deep: null, quoted: null, lang: null },
        relations: { owner: null, parent: 'acme', org: 'acme-org' },
      },
      {
        blueprint: 'githubRepository',
        identifier: '6',
        title: '{"x":1}',
        properties: { url: null, deep: null, quoted: null, lang: null },
        relations: { owner: null, parent: 'acme', org: 'acme-org' },
      },
    ]);
    expect(await mapPage(mapping, 'other', records)).toEqual({ entities: [], skipped: 0, filtered: 0 });
  });

  it('runs real jq: expressions, first output of generators, errors as null', async () => {
    const mapping = await compile([
      {
        kind: 'pr',
        port: {
          entity: {
            mappings: {
              identifier: '.head.repo.name + (.id|tojson)',
              blueprint: '"pr"',
              properties: {
                logins: '[.assignees[].login]',
                firstLabel: '.labels[]',
                none: 'empty',
                bad: 'error("x")',
              },
            },
          },
        },
      },
    ]);
    // Title (absent: null), blueprint and logins run in JS; the rest go to jq.
    expect(inJq(mapping)).toEqual([true, false, false, false, true, true, true]);
    const page = [
      {
        id: 7,
        head: { repo: { name: 'r' } },
        assignees: [{ login: 'a' }, { login: 'b' }],
        labels: ['x', 'y'],
      },
    ];
    const { entities } = await mapPage(mapping, 'pr', page, {});
    expect(await mapPage(jqOnly(mapping), 'pr', page)).toEqual({ entities, skipped: 0, filtered: 0 });
    expect(entities).toEqual([
      {
        blueprint: 'pr',
        identifier: 'r7',
        title: null,
        properties: { logins: ['a', 'b'], firstLabel: 'x', none: null, bad: null },
        relations: {},
      },
    ]);
  });

  it('itemsToParse: one entity per element as .item, record keys kept; non-lists are skipped', async () => {
    const entry = (blueprint: string) => ({
      kind: 'repo',
      selector: { query: 'has("item") and .item != "skip"' },
      port: {
        itemsToParse: '.topics',
        entity: { mappings: { identifier: '.item', blueprint, properties: { repo: '.name' } } },
      },
    });
    const mapping = await compile([entry('"topic"')]);
    expect(mapping.entries[0]?.fast?.selector).toBeNull(); // the selector runs in jq, the fields in JS
    const fastMapping = await compile([{ ...entry('"topic"'), selector: { query: 'true' } }]);
    expect(inJq(fastMapping)).toEqual([false, false, false, false]);
    // An itemsToParse that needs jq sends the whole entry to the jq page program.
    const jqItems = await compile([
      { ...entry('"t"'), port: { ...entry('"t"').port, itemsToParse: '[.topics[]?] | map(.)' } },
    ]);
    expect(jqItems.entries[0]?.fast).toBeNull();
    const page = [
      { name: 'r1', topics: ['a', 'skip', 'b'] },
      { name: 'r2', topics: 'not-a-list' },
      { name: 'r3', topics: [] },
    ];
    const result = await mapPage(mapping, 'repo', page);
    expect(result.entities.map((e) => [e.identifier, e.properties.repo])).toEqual([
      ['a', 'r1'],
      ['b', 'r1'],
    ]);
    expect([result.skipped, result.filtered]).toEqual([1, 1]);
    expect(await mapPage(jqOnly(mapping), 'repo', page)).toEqual(result);
    expect(await mapPage(fastMapping, 'repo', page)).toEqual(
      await mapPage(jqOnly(fastMapping), 'repo', page),
    );
  });

  it('hybrid (JS fields + one jq call for the rest) equals the jq page program', async () => {
    const mappings = {
      identifier: '.id',
      title: '.name | if type == "object" then . else tostring end',
      blueprint: '"r"',
      properties: {
        url: '.html_url',
        deep: '.meta.a.b',
        cond: 'if .language then .language else "" end',
        alt: '.language // .name',
        upper: '.name | ascii_upcase',
        bad: '.meta.a.b + 1',
        first: '.topics[]',
        none: 'empty',
        missing: '.nope',
      },
      relations: { parent: '$parent.login', org: '$org', both: '[$parent.login, $org]' },
    };
    const entries = [
      { kind: 'repo', selector: { query: '.archived' }, port: { entity: { mappings } } },
      { kind: 'repo', selector: { query: '.archived == true' }, port: { entity: { mappings } } },
      { kind: 'repo', port: { entity: { mappings: { ...mappings, identifier: '.id | .' } } } },
      {
        kind: 'repo',
        selector: { query: '.item != "b"' },
        port: { itemsToParse: '.topics', entity: { mappings: { ...mappings, identifier: '.item' } } },
      },
      {
        kind: 'repo',
        selector: { query: '.archived' },
        port: { itemsToParse: '.topics', entity: { mappings: { ...mappings, title: '.item' } } },
      },
    ];
    const page = [
      ...records,
      { id: 7, name: 'seven', archived: true, language: 'C', topics: ['a', 'b', 'c'], item: 'own' },
      { id: 8.5, name: 'eight', archived: true, topics: 'nope', meta: { a: { b: 2 } } },
      { id: 9, name: null, archived: true, language: false, topics: [null, { x: 1 }] },
    ];
    const bindings = { parent: { login: 'acme' }, vars: { org: 'acme-org' } };
    for (const [i, entry] of entries.entries()) {
      const mapping = await compile([entry], ['org']);
      const jq = inJq(mapping) ?? [];
      expect(jq.some((x) => x) && jq.some((x) => !x), `entry ${i} is hybrid`).toBe(true);
      const hybrid = await mapPage(mapping, 'repo', page, bindings);
      expect(hybrid, `entry ${i}`).toEqual(await mapPage(jqOnly(mapping), 'repo', page, bindings));
      expect(hybrid.entities.length, `entry ${i}`).toBeGreaterThan(2);
    }
    const sevens = await mapPage(await compile([entries[3]], ['org']), 'repo', page, bindings);
    // The record's own `item` key wins over the element (Ocean's `{"item": item, **data}`).
    expect(sevens.entities.filter((e) => e.properties.upper === 'SEVEN').map((e) => e.identifier)).toEqual([
      'own',
      'own',
      'own',
    ]);
    // A JS selector that rejects every record leaves nothing for jq.
    const none = await compile([{ ...entries[0], selector: { query: '.nope' } }], ['org']);
    expect(await mapPage(none, 'repo', page, bindings)).toEqual({ entities: [], skipped: 0, filtered: 9 });
  });

  it('applies every entry of a kind in order', async () => {
    const a = { kind: 'repo', port: { entity: { mappings: { identifier: '.id', blueprint: '"a"' } } } };
    const b = {
      kind: 'repo',
      port: { entity: { mappings: { identifier: '.id', blueprint: '"b" | ascii_upcase' } } },
    };
    const { entities } = await mapPage(await compile([a, b]), 'repo', [{ id: 1 }]);
    expect(entities.map((e) => e.blueprint)).toEqual(['a', 'B']);
  });

  it('fails the page when the program halts', async () => {
    const halt = {
      kind: 'repo',
      port: { entity: { mappings: { identifier: '"x" | halt_error', blueprint: '"a"' } } },
    };
    await expect(mapPage(await compile([halt]), 'repo', [{}])).rejects.toMatchObject({
      code: 'E_RESPONSE',
      message: /^mapping\.resources\[0\]: jq: /,
    });
  });

  it('maps a 20,000-record page correctly in slices without blocking the event loop', async () => {
    const entry = {
      kind: 'repo',
      port: { entity: { mappings: { identifier: '.id', blueprint: '"r"', properties: { n: '.n * 2' } } } },
    };
    const mapping = await compile([entry]);
    const page = Array.from({ length: 20_000 }, (_, i) => ({ id: i, n: i }));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const { entities } = await mapPage(mapping, 'repo', page);
    clearInterval(timer);
    expect(entities).toHaveLength(20_000);
    expect(entities[19_999]).toMatchObject({ identifier: '19999', properties: { n: 39_998 } });
    expect(new Set(entities.map((e) => e.identifier)).size).toBe(20_000);
    expect(ticks).toBeGreaterThan(5);
  }, 10_000);
});
