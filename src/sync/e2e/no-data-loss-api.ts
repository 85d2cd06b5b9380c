/**
 * A loopback API for the no-data-loss tests (issue 7): `items` behind Link pagination that can be
 * told to loop, `projects` read incrementally (`since` on `updated_at`) with `tasks` per project,
 * and a per-response delay so a run can be caught mid-way. The data can change between runs.
 */
import { Hono } from 'hono';
import { serve } from '../../testing/serve.js';

export interface NdlData {
  items: Array<{ id: number; name: string }>;
  projects: Array<{ id: string; name: string; updated_at: string }>;
  tasks: Array<{ id: string; project_id: string; title: string }>;
}

export interface NdlKnobs {
  /** Page whose `next` link points back to page 1 (a lying server). */
  loopAt?: number;
  /** Milliseconds before each response. */
  delayMs?: number;
}

export interface NdlApi {
  url: string;
  data: NdlData;
  knobs: NdlKnobs;
  /** Paths requested, in order (query included). */
  requests: string[];
  close(): Promise<void>;
}

const PER_PAGE = 5;

export function ndlData(items = 200, projects = 10, tasksPerProject = 5): NdlData {
  const data: NdlData = { items: [], projects: [], tasks: [] };
  for (let i = 1; i <= items; i++) data.items.push({ id: i, name: `item ${i}` });
  for (let p = 1; p <= projects; p++) {
    const id = `p${p}`;
    data.projects.push({ id, name: `project ${p}`, updated_at: '2026-01-01T00:00:00Z' });
    for (let t = 1; t <= tasksPerProject; t++)
      data.tasks.push({ id: `${id}-t${t}`, project_id: id, title: `task ${t}` });
  }
  return data;
}

export async function startNdlApi(data: NdlData = ndlData()): Promise<NdlApi> {
  const knobs: NdlKnobs = {};
  const requests: string[] = [];
  const app = new Hono();
  app.use(async (c, next) => {
    const url = new URL(c.req.url);
    requests.push(url.pathname + url.search);
    if (knobs.delayMs) await new Promise((r) => setTimeout(r, knobs.delayMs));
    await next();
  });
  app.get('/items', (c) => {
    const page = Number(c.req.query('page') ?? 1);
    const last = Math.max(1, Math.ceil(data.items.length / PER_PAGE));
    const next = knobs.loopAt === page ? 1 : page < last ? page + 1 : undefined;
    if (next !== undefined) c.header('link', `<${new URL(`/items?page=${next}`, c.req.url)}>; rel="next"`);
    return c.json(data.items.slice((page - 1) * PER_PAGE, page * PER_PAGE));
  });
  app.get('/projects', (c) => {
    const since = c.req.query('since') ?? '';
    return c.json(data.projects.filter((p) => p.updated_at > since));
  });
  app.get('/projects/:id/tasks', (c) => c.json(data.tasks.filter((t) => t.project_id === c.req.param('id'))));
  const served = await serve(app);
  return { url: served.url, data, knobs, requests, close: () => served.close() };
}

/** The manifest: items, projects (incremental) and tasks (children of projects). */
export const NDL_MANIFEST = `
name: ndl
config:
  baseUrl: { type: url, required: true }
connection:
  baseUrl: "{config.baseUrl}"
  retry: { attempts: 1 }
  concurrency: 4
resources:
  item:
    request: { path: /items }
    paginate: { type: link }
  project:
    request: { path: /projects }
    incremental: { cursor: .updated_at, param: since, initial: "2000-01-01T00:00:00Z" }
  task:
    parent: project
    request: { path: "/projects/{parent.id}/tasks" }
mapping:
  deletionThreshold: 0.95
  resources:
    - kind: item
      port: { entity: { mappings: { identifier: ".id | tostring", title: .name, blueprint: '"item"' } } }
    - kind: project
      port: { entity: { mappings: { identifier: .id, title: .name, blueprint: '"project"' } } }
    - kind: task
      port:
        entity:
          mappings:
            identifier: .id
            title: .title
            blueprint: '"task"'
            relations: { project: $parent.id }
`;
