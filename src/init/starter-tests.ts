/**
 * The starter's `tests/`: cassettes of the example API, the catalog export a replay must give and
 * the replay settings, in the cassette format of src/testing/cassette.ts. The
 * cassettes and the expected export are derived from one small dataset, so they agree by construction.
 */
import { camelName, STARTER_PAGE_SIZE } from './starter-manifest.js';

interface Project {
  id: number;
  name: string;
  html_url: string;
  archived: boolean;
}
interface Task {
  id: number;
  project_id: number;
  title: string;
  status: string;
  updated_at: string;
}

const PROJECTS: Project[] = [
  { id: 1, name: 'Website', html_url: 'https://example.com/projects/1', archived: false },
  { id: 2, name: 'Mobile app', html_url: 'https://example.com/projects/2', archived: false },
  { id: 3, name: 'Old intranet', html_url: 'https://example.com/projects/3', archived: true },
];
const TASKS: Task[] = [
  {
    id: 11,
    project_id: 1,
    title: 'Design the home page',
    status: 'done',
    updated_at: '2026-01-05T10:00:00Z',
  },
  { id: 12, project_id: 1, title: 'Write the copy', status: 'open', updated_at: '2026-01-06T09:30:00Z' },
  { id: 13, project_id: 1, title: 'Launch', status: 'open', updated_at: '2026-01-07T16:45:00Z' },
  { id: 21, project_id: 2, title: 'Sign-in screen', status: 'open', updated_at: '2026-01-08T08:15:00Z' },
];

interface Interaction {
  request: { method: 'GET'; path: string; query: Record<string, string>; body: null };
  response: { status: number; headers: Record<string, string>; body: unknown };
}

/** One chain of `path`, page by page, as the link paginator requests it. */
function chain(path: string, records: unknown[]): Interaction[] {
  const pages = Math.max(1, Math.ceil(records.length / STARTER_PAGE_SIZE));
  const out: Interaction[] = [];
  for (let page = 1; page <= pages; page++) {
    const query: Record<string, string> = { per_page: String(STARTER_PAGE_SIZE) };
    if (page > 1) query.page = String(page);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    // `{baseUrl}` stands for the API root, as `inlet record` writes URLs under it; the replay puts its own URL back.
    if (page < pages)
      headers.link = `<{baseUrl}${path}?per_page=${STARTER_PAGE_SIZE}&page=${page + 1}>; rel="next"`;
    const body = records.slice((page - 1) * STARTER_PAGE_SIZE, page * STARTER_PAGE_SIZE);
    out.push({
      request: { method: 'GET', path, query, body: null },
      response: { status: 200, headers, body },
    });
  }
  return out;
}

/** Code-unit order, as the catalog's export sorts (not locale order). */
const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** The `tests/` files of a new integration, by path relative to its folder. */
export function starterTests(name: string): Record<string, string> {
  const camel = camelName(name);
  const tasks = PROJECTS.flatMap((p) =>
    chain(
      `/projects/${p.id}/tasks`,
      TASKS.filter((t) => t.project_id === p.id),
    ),
  );
  const entities = [
    ...PROJECTS.map((p) => ({
      blueprint: `${camel}Project`,
      identifier: String(p.id),
      title: p.name,
      properties: { url: p.html_url, archived: p.archived },
      relations: {},
    })),
    ...TASKS.map((t) => ({
      blueprint: `${camel}Task`,
      identifier: String(t.id),
      title: t.title,
      properties: { status: t.status, updatedAt: t.updated_at },
      relations: { project: String(t.project_id) },
    })),
  ].sort((a, b) => order(a.blueprint, b.blueprint) || order(a.identifier, b.identifier));
  return {
    'tests/cassettes/project.json': json(chain('/projects', PROJECTS)),
    'tests/cassettes/task.json': json(tasks),
    'tests/expected.ndjson': entities
      .map((e) => JSON.stringify(e))
      .join('\n')
      .concat('\n'),
    'tests/settings.yaml': `# Settings for \`inlet test ${name}\`: secrets are placeholders, the base URL is the replay server.\ntoken: inlet-replay-placeholder\n`,
  };
}
