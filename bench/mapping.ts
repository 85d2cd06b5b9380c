/**
 * Mapping throughput: entities/second of Ocean's GitHub repository mapping over pages of 100
 * records, through jq (one jq-wasm call per page) and through the JS fast path (plain paths only).
 * Run: npm run build && node dist/bench/mapping.js
 */
import { compileMapping } from '../src/mapping/compile-mapping.js';
import { mapPage } from '../src/mapping/map-page.js';

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

// Ocean's github-port-app-config.yml repository entry (src/mapping/fixtures), and its plain-path subset.
const oceanMappings = {
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
const plainMappings = {
  ...oceanMappings,
  properties: {
    ...oceanMappings.properties,
    description: '.description',
    visibility: '.visibility',
    language: '.language',
  },
};

async function measure(label: string, mappings: object): Promise<void> {
  const spec = {
    resources: [{ kind: 'repository', selector: { query: 'true' }, port: { entity: { mappings } } }],
  };
  const { mapping } = await compileMapping(spec, { foreign: false, kinds: ['repository'] });
  const pages = Array.from({ length: PAGES }, (_, p) =>
    Array.from({ length: PAGE }, (_, i) => repository(p * PAGE + i)),
  );
  await mapPage(mapping, 'repository', pages[0] ?? []); // warm-up: loads the wasm
  const start = performance.now();
  let count = 0;
  for (const page of pages) count += (await mapPage(mapping, 'repository', page)).entities.length;
  const seconds = (performance.now() - start) / 1000;
  const path = mapping.entries[0]?.fast ? 'fast path' : 'jq';
  console.log(`${label} (${path}): ${Math.round(count / seconds).toLocaleString('en')} entities/s`);
}

await measure('Ocean github repository mapping', oceanMappings);
await measure('same mapping, plain paths only', plainMappings);
