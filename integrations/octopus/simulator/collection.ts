/** Octopus resource collections: `skip`/`take` pages in the `{ ItemType, TotalResults, … Items, Links }` envelope. */
import type { Context } from 'hono';
import { octopusError } from './octopus-errors.js';

/** Octopus's default page size (`ItemsPerPage: 30` when `take` is not given). */
const DEFAULT_TAKE = 30;
/** `Page.All` links ask for int.MaxValue items. */
const ALL = 2_147_483_647;

type Json = Record<string, unknown>;

/** A non-negative integer query parameter, or an Octopus 400 body when it is not one. */
function intParam(c: Context, name: string, fallback: number): number | Response {
  const text = c.req.query(name);
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text) || Number(text) > ALL) {
    return c.json(octopusError('There was a problem with your request.', [`Invalid ${name}: ${text}`]), 400);
  }
  return Number(text);
}

/** One page of `items` in Octopus's resource-collection envelope. */
export function collection(
  c: Context,
  itemType: string,
  items: unknown[],
  base: string,
  template: string,
  extra: Record<string, string | undefined> = {},
): Response {
  const skip = intParam(c, 'skip', 0);
  if (skip instanceof Response) return skip;
  const take = intParam(c, 'take', DEFAULT_TAKE);
  if (take instanceof Response) return take;
  const total = items.length;
  const pages = take > 0 ? Math.ceil(total / take) : 0;
  const lastPage = Math.max(0, pages - 1);
  const link = (s: number, t: number) => {
    const query = new URLSearchParams({ skip: String(s), take: String(t) });
    for (const [key, value] of Object.entries(extra)) if (value) query.set(key, value);
    return `${base}?${query}`;
  };
  const links: Json = {
    Self: link(skip, take),
    Template: `${base}${template}`,
    'Page.All': link(0, ALL),
    'Page.Current': link(skip, take),
    'Page.Last': link(lastPage * take, take),
  };
  if (skip + take < total) links['Page.Next'] = link(skip + take, take);
  return c.json({
    ItemType: itemType,
    TotalResults: total,
    ItemsPerPage: take,
    NumberOfPages: pages,
    LastPageNumber: lastPage,
    Items: items.slice(skip, skip + take),
    Links: links,
  });
}
