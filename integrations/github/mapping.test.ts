import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compileMapping } from '../../src/mapping/compile-mapping.js';
import { compileFast } from '../../src/mapping/fast-path.js';
import { JqRunner } from '../../src/mapping/jq-worker.js';
import { mapPage } from '../../src/mapping/map-page.js';

const spec = parse(readFileSync(fileURLToPath(new URL('./mapping.yml', import.meta.url)), 'utf8'));
const options = { foreign: false, kinds: ['organization', 'repository', 'pull-request'], vars: ['org'] };

/** Pull requests as GET /repos/{owner}/{repo}/pulls returns them, trimmed, plus odd ones. */
const repo = { full_name: 'acme/api' };
const pulls = [
  {
    number: 1,
    title: 'Open',
    state: 'open',
    merged_at: null,
    labels: [{ name: 'bug' }],
    base: { ref: 'main', repo },
  },
  {
    number: 2,
    title: 'Merged',
    state: 'closed',
    merged_at: '2024-01-02T00:00:00Z',
    labels: [],
    base: { repo },
  },
  {
    number: 3,
    title: 'Closed',
    state: 'closed',
    merged_at: null,
    labels: [{ name: 'a' }, { name: 'b' }],
    base: { repo },
  },
  { number: 4, title: 'No labels key', state: 'open', base: { repo } },
  {
    number: 5,
    title: 'Bad labels',
    state: 'open',
    labels: 'x',
    draft: true,
    user: { login: 'dev' },
    base: { repo },
  },
  { number: 1.5, title: 'No base', state: 'open', labels: null },
  { title: 'No number', base: { repo: { full_name: null } }, labels: [{ name: 'x' }] },
];

describe('GitHub mapping', () => {
  const closed = new JqRunner();
  const runner = new JqRunner();
  afterAll(() => runner.close());

  it('maps pull requests in JS alone, as the jq page program does', async () => {
    const { mapping } = await compileMapping(spec, options);
    const pr = mapping.entries.find((e) => e.kind === 'pull-request');
    for (const p of [pr?.programs.identifier, ...(pr?.programs.properties.map(([, v]) => v) ?? [])]) {
      expect(compileFast(p ?? ''), p).not.toBeNull();
    }
    expect(pr?.fast?.selector).not.toBeNull();
    expect(pr?.fast?.fields.every((f) => f !== null)).toBe(true);
    await closed.close();
    // A closed runner rejects every run: the page maps without jq.
    const fast = await mapPage(mapping, 'pull-request', pulls, { vars: { org: 'acme' } }, { runner: closed });
    const jqOnly = { ...mapping, entries: mapping.entries.map((e) => ({ ...e, fast: null })) };
    const slow = await mapPage(jqOnly, 'pull-request', pulls, { vars: { org: 'acme' } }, { runner });
    expect(fast).toEqual(slow);
    expect(fast.entities.map((e) => [e.identifier, e.properties.status, e.properties.labels])).toEqual([
      ['acme/api#1', 'open', ['bug']],
      ['acme/api#2', 'merged', []],
      ['acme/api#3', 'closed', ['a', 'b']],
      ['acme/api#4', 'open', null],
      ['acme/api#5', 'open', null],
      ['#1.5', 'open', null],
      ['#null', 'open', ['x']], // jq: `null | tostring` is "null"
    ]);
  });
});
