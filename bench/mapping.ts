/**
 * Mapping throughput: entities/second of Ocean's GitHub repository and pull-request mappings over
 * pages of 100 records, through jq alone (one jq-wasm call per page with every field), the hybrid
 * path (JS for the fields the fast path evaluates, one jq call per page for the rest) and JS alone.
 * Run: npm run build && node dist/bench/mapping.js
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { type CompiledMapping, compileMapping } from '../src/mapping/compile-mapping.js';
import { mapPage } from '../src/mapping/map-page.js';
import { fieldPrograms } from '../src/mapping/page-program.js';

const PAGE = 100;
const PAGES = 200;

const repository = (i: number) => ({
  id: i,
  name: `repo-${i}`,
  full_name: `acme/repo-${i}`,
  private: i % 2 === 0,
  description: i % 3 === 0 ? null : 'A repository',
  default_branch: 'main',
  html_url: `https://github.com/acme/repo-${i}`,
  language: i % 5 === 0 ? null : 'TypeScript',
  owner: { login: 'acme', id: 1 },
  topics: ['api', 'cli'],
  stargazers_count: i,
});

/** A pull request as GET /repos/{owner}/{repo}/pulls returns it, trimmed to ~1 KB (the API's is ~20 KB). */
const pullRequest = (i: number) => ({
  id: 1_000_000 + i,
  number: i,
  title: `Fix bug ${i}`,
  state: i % 4 === 0 ? 'closed' : 'open',
  html_url: `https://github.com/acme/repo/pull/${i}`,
  body: 'Fixes the thing. '.repeat(10),
  user: { login: i % 7 === 0 ? 'dependabot[bot]' : `dev-${i % 13}`, id: i, type: 'User' },
  assignees: [{ login: `dev-${i % 5}` }],
  requested_reviewers: i % 2 === 0 ? [{ login: 'lead' }, { login: 'bot[bot]' }] : [],
  labels: [{ name: 'bug' }],
  head: { ref: `fix-${i}`, sha: 'a'.repeat(40), repo: { id: 1, name: 'repo', full_name: 'acme/repo' } },
  base: { ref: 'main', sha: 'b'.repeat(40), repo: { id: 1, name: 'repo', full_name: 'acme/repo' } },
  created_at: '2024-01-26T19:01:12Z',
  updated_at: '2024-01-27T20:31:12Z',
  closed_at: i % 4 === 0 ? '2024-01-27T20:31:12Z' : null,
  merged_at: i % 4 === 0 ? '2024-01-27T20:31:12Z' : null,
});

// Ocean's github-port-app-config.yml entries (src/mapping/fixtures), and a plain-path variant.
const oceanRepository = {
  identifier: '.name',
  title: '.name',
  blueprint: '"githubRepository"',
  properties: {
    description: 'if .description then .description else "" end',
    visibility: 'if .private then "private" else "public" end',
    defaultBranch: '.default_branch',
    readme: '.__includedFiles["README.md"]',
    codeowners: '.__includedFiles["CODEOWNERS"]',
    url: '.html_url',
    language: 'if .language then .language else "" end',
  },
  relations: { organization: '.owner.login' },
};
const plainRepository = {
  ...oceanRepository,
  properties: {
    ...oceanRepository.properties,
    description: '.description',
    visibility: '.visibility',
    language: '.language',
  },
};
const oceanPullRequest = {
  identifier: '.head.repo.name + (.id|tostring)',
  title: '.title',
  blueprint: '"githubPullRequest"',
  properties: {
    creator: '(.user.login | gsub("\\\\["; "-") | gsub("\\\\](?=[^$])"; "-") | gsub("\\\\]$"; ""))',
    assignees: '[.assignees[].login | gsub("\\\\](?=[^$])"; "-") | gsub("\\\\]$"; "")]',
    reviewers: '[.requested_reviewers[].login | gsub("\\\\](?=[^$])"; "-") | gsub("\\\\]$"; "")]',
    status: '.state',
    closedAt: '.closed_at',
    updatedAt: '.updated_at',
    mergedAt: '.merged_at',
    createdAt: '.created_at',
    prNumber: '.id',
    link: '.html_url',
    leadTimeHours: `(.created_at as $createdAt | .merged_at as $mergedAt |
($createdAt | sub("\\\\..*Z$"; "Z") | strptime("%Y-%m-%dT%H:%M:%SZ") | mktime) as $createdTimestamp |
($mergedAt | if . == null then null else sub("\\\\..*Z$"; "Z") |
strptime("%Y-%m-%dT%H:%M:%SZ") | mktime end) as $mergedTimestamp |
if $mergedTimestamp == null then null else
(((($mergedTimestamp - $createdTimestamp) / 3600) * 100 | floor) / 100) end)`,
  },
  relations: { repository: '.__repository' },
};

/** The built-in GitHub integration's pull-request mappings (from dist/bench, two levels up). */
const githubPullRequest = (() => {
  const file = fileURLToPath(new URL('../../integrations/github/mapping.yml', import.meta.url));
  const spec = parse(readFileSync(file, 'utf8')) as {
    resources: { kind: string; port: { entity: { mappings: object } } }[];
  };
  const entry = spec.resources.find((r) => r.kind === 'pull-request');
  if (!entry) throw new Error(`${file}: no pull-request entry`);
  return entry.port.entity.mappings;
})();

type Variant = (m: CompiledMapping) => CompiledMapping;
const asIs: Variant = (m) => m;
/** Every field through the jq page program. */
const jqOnly: Variant = (m) => ({ ...m, entries: m.entries.map((e) => ({ ...e, fast: null })) });
/** Conditionals (`if`, `//`) through jq, as before the fast path learnt them. */
const pathsOnly: Variant = (m) => ({
  ...m,
  entries: m.entries.map((e) => {
    const programs = fieldPrograms(e.programs);
    const fast = e.fast && {
      ...e.fast,
      fields: e.fast.fields.map((f, i) => (/\bif\b|\/\//.test(programs[i] ?? '') ? null : f)),
    };
    return { ...e, fast };
  }),
});

async function measure(
  label: string,
  kind: string,
  mappings: object,
  record: (i: number) => object,
  variant: Variant,
): Promise<void> {
  const spec = { resources: [{ kind, selector: { query: 'true' }, port: { entity: { mappings } } }] };
  const compiled = await compileMapping(spec, { foreign: false, kinds: [kind] });
  const mapping = variant(compiled.mapping);
  const pages = Array.from({ length: PAGES }, (_, p) =>
    Array.from({ length: PAGE }, (_, i) => record(p * PAGE + i)),
  );
  for (const page of pages.slice(0, 5)) await mapPage(mapping, kind, page); // warm-up: loads the wasm, JIT
  const start = performance.now();
  let count = 0;
  for (const page of pages) count += (await mapPage(mapping, kind, page)).entities.length;
  const seconds = (performance.now() - start) / 1000;
  const fast = mapping.entries[0]?.fast;
  const jqFields = fast ? fast.fields.filter((f) => f === null).length : 'all';
  const rate = Math.round(count / seconds).toLocaleString('en');
  console.log(`${label.padEnd(52)} ${rate.padStart(8)} entities/s  (fields in jq: ${jqFields})`);
}

const repo = 'Ocean repository mapping';
await measure(`${repo}, jq-only page program`, 'repository', oceanRepository, repository, jqOnly);
await measure(`${repo}, hybrid (conditionals in jq)`, 'repository', oceanRepository, repository, pathsOnly);
await measure(`${repo}, as compiled`, 'repository', oceanRepository, repository, asIs);
await measure('same, plain paths only', 'repository', plainRepository, repository, asIs);
const pr = 'Ocean pull-request mapping';
await measure(`${pr}, jq-only page program`, 'pull-request', oceanPullRequest, pullRequest, jqOnly);
await measure(`${pr}, as compiled (hybrid)`, 'pull-request', oceanPullRequest, pullRequest, asIs);
const gh = 'Built-in GitHub PR mapping';
await measure(`${gh}, jq-only page program`, 'pull-request', githubPullRequest, pullRequest, jqOnly);
await measure(`${gh}, as compiled`, 'pull-request', githubPullRequest, pullRequest, asIs);
