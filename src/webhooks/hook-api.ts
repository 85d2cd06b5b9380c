/**
 * A loopback API for the webhook ordering tests, in the style of the no-data-loss API: `items`
 * behind Link pagination by id range (a deletion never shifts later pages), `GET /items/:id` for a
 * resource `get`, a gate that holds one page's answer after it was read (a resync caught with old
 * data in hand), and items not yet listed (a lagging index, known only from webhooks).
 */
import { Hono } from 'hono';
import { serve } from '../testing/serve.js';

export interface HookItem {
  id: number;
  name: string;
  updated_at: string;
  /** Gone from the API: 404 on get, absent from lists. */
  deleted?: boolean;
  /** Not in lists yet (get still finds it). */
  unlisted?: boolean;
}

export interface HookApi {
  url: string;
  items: Map<number, HookItem>;
  /** Hold this page's answer (read before the gate) until `release()`. */
  gate(page: number): { reached: Promise<void>; release(): void };
  /** Answer the next n item gets with 500. */
  failGets: number;
  requests: string[];
  close(): Promise<void>;
}

const PER_PAGE = 5;

export const HOOK_MANIFEST = `
name: hooks
config:
  baseUrl: { type: url, required: true }
connection:
  baseUrl: "{config.baseUrl}"
  retry: { attempts: 1 }
resources:
  item:
    request: { path: /items }
    paginate: { type: link }
  ref:
    request: { path: /items }
    paginate: { type: link }
    get: { path: "/items/{record.id}" }
mapping:
  deletionThreshold: 0.95
  resources:
    - kind: item
      port:
        entity:
          mappings:
            identifier: .id | tostring
            title: .name
            blueprint: '"item"'
            properties: { updated: .updated_at }
    - kind: ref
      port:
        entity:
          mappings:
            identifier: .id | tostring
            title: .name
            blueprint: '"ref"'
            properties: { updated: .updated_at }
`;

export async function startHookApi(count: number, at = '2026-01-01T00:00:00Z'): Promise<HookApi> {
  const items = new Map<number, HookItem>();
  for (let id = 1; id <= count; id++) items.set(id, { id, name: `item ${id}`, updated_at: at });
  const gates = new Map<number, { reached: () => void; held: Promise<void> }>();
  const requests: string[] = [];
  const app = new Hono();
  const api: HookApi = {
    url: '',
    items,
    failGets: 0,
    requests,
    gate(page) {
      let reached = () => {};
      let release = () => {};
      const reachedP = new Promise<void>((r) => {
        reached = r;
      });
      const held = new Promise<void>((r) => {
        release = r;
      });
      gates.set(page, { reached, held });
      return { reached: reachedP, release };
    },
    close: async () => {},
  };
  app.use(async (c, next) => {
    const url = new URL(c.req.url);
    requests.push(url.pathname + url.search);
    await next();
  });
  app.get('/items', async (c) => {
    const page = Number(c.req.query('page') ?? 1);
    const last = Math.max(1, Math.ceil(Math.max(0, ...items.keys()) / PER_PAGE));
    const listed = [...items.values()]
      .filter((i) => i.id > (page - 1) * PER_PAGE && i.id <= page * PER_PAGE && !i.deleted && !i.unlisted)
      .sort((a, b) => a.id - b.id);
    // The page is read now: what changes while it is held is not in it.
    const body = JSON.stringify(listed);
    const gate = gates.get(page);
    if (gate) {
      gates.delete(page);
      gate.reached();
      await gate.held;
    }
    if (page < last) c.header('link', `<${new URL(`/items?page=${page + 1}`, c.req.url)}>; rel="next"`);
    return c.body(body, 200, { 'content-type': 'application/json' });
  });
  app.get('/items/:id', (c) => {
    if (api.failGets > 0) {
      api.failGets--;
      return c.json({ message: 'try later' }, 500);
    }
    const item = items.get(Number(c.req.param('id')));
    if (!item || item.deleted) return c.json({ message: 'Not Found' }, 404);
    const { deleted: _d, unlisted: _u, ...record } = item;
    return c.json(record);
  });
  const served = await serve(app);
  api.url = served.url;
  api.close = () => served.close();
  return api;
}
