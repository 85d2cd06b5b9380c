/**
 * Pagination from what an operation documents (manifest contract §4 `paginate`): a `Link` response
 * header (RFC 8288), a cursor parameter with the response field holding the next cursor, an
 * offset/limit pair, a page number, or a `next` URL in the body.
 */
import type { ListOperation, Parameter } from './openapi-operations.js';
import type { Json, OpenapiSpec } from './openapi-read.js';
import { propertiesOf, typeOf } from './openapi-schema.js';

export interface Pagination {
  paginate?: Json;
  /** Query values the first request sends (the page size). */
  query: Record<string, number>;
  todos: string[];
}

const norm = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');
const CURSOR = [
  'cursor',
  'after',
  'pagetoken',
  'nexttoken',
  'continuation',
  'continuationtoken',
  'startingafter',
  'marker',
];
const OFFSET = ['offset', 'skip', 'start', 'startat', 'from'];
const PAGE = ['page', 'pagenumber', 'pageno', 'pagenum'];
const LIMIT = ['perpage', 'limit', 'pagesize', 'size', 'take', 'maxresults', 'count', 'top', 'pagelimit'];
const NEXT_CURSOR = [
  'nextcursor',
  'nextpagetoken',
  'nexttoken',
  'cursor',
  'endcursor',
  'continuationtoken',
  'after',
];
const NEXT_URL = ['next', 'nexturl', 'nextlink', 'nextpage', 'odatanextlink'];
const TOTAL = ['total', 'totalcount', 'totalresults', 'totalsize', 'totalitems'];
const LAST_PAGE = ['lastpage', 'totalpages', 'lastpagenumber', 'pagecount'];
/** Envelope members that often hold the paging fields (Slack's response_metadata, GraphQL-style pageInfo). */
const PAGING_HOLDERS = ['meta', 'pagination', 'paging', 'responsemetadata', 'pageinfo', 'links', 'page'];

const find = (params: Parameter[], names: string[]) =>
  params.find((p) => p.in === 'query' && names.includes(norm(p.name)));

/** jq to a response field named like one of `names`, at the top or one level down in a paging holder. */
function responseField(
  spec: OpenapiSpec,
  response: Json,
  names: string[],
  type?: string,
): string | undefined {
  const key = (name: string) =>
    /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `.${name}` : `.[${JSON.stringify(name)}]`;
  const top = propertiesOf(spec, response);
  const hit = (props: Json) =>
    Object.keys(props).find(
      (name) => names.includes(norm(name)) && (!type || typeOf(spec, props[name]) === type),
    );
  const direct = hit(top);
  if (direct) return key(direct);
  for (const [holder, schema] of Object.entries(top)) {
    if (!PAGING_HOLDERS.includes(norm(holder))) continue;
    const nested = hit(propertiesOf(spec, schema));
    if (nested) return `${key(holder)}${key(nested)}`;
  }
  return undefined;
}

/** The largest page size a parameter allows: its `maximum`, else "max 100" in its description. */
function pageSize(param: Parameter, todos: string[]): number {
  const maximum = param.schema?.maximum;
  if (typeof maximum === 'number' && maximum > 0) return maximum;
  const stated = /\bmax(?:imum)?\b\D{0,12}(\d+)/i.exec(param.description);
  if (stated) return Number(stated[1]);
  todos.push(`the largest ${param.name} is not documented; 100 is a guess`);
  return 100;
}

/**
 * How to page through `op`, with the page size to ask for and what stayed undecided.
 * @example inferPagination(spec, op) // { paginate: { type: 'link' }, query: { per_page: 100 }, todos: [] }
 */
export function inferPagination(spec: OpenapiSpec, op: ListOperation): Pagination {
  const todos: string[] = [];
  const query: Record<string, number> = {};
  const limit = find(op.parameters, LIMIT);
  const withLimit = () => {
    if (limit) query[limit.name] = pageSize(limit, todos);
  };
  // GitHub documents Link on every list response (docs.github.com/rest/using-the-rest-api/using-pagination-in-the-rest-api).
  if (op.headers.has('link')) {
    withLimit();
    return { paginate: { type: 'link' }, query, todos };
  }
  const cursor = find(op.parameters, CURSOR);
  if (cursor) {
    withLimit();
    let path = responseField(spec, op.response, NEXT_CURSOR);
    if (!path) {
      path = '.next_cursor';
      todos.push(
        `the response field holding the next ${cursor.name} is not documented; .next_cursor is a guess`,
      );
    }
    return { paginate: { type: 'cursor', param: cursor.name, path }, query, todos };
  }
  const offset = find(op.parameters, OFFSET);
  if (offset && limit) {
    const size = pageSize(limit, todos);
    const total = responseField(spec, op.response, TOTAL);
    const paginate: Json = { type: 'offset', param: offset.name, limitParam: limit.name, limit: size };
    if (total) paginate.total = total;
    return { paginate, query, todos };
  }
  const page = find(op.parameters, PAGE);
  if (page) {
    const paginate: Json = { type: 'page', param: page.name };
    if (typeof page.schema?.minimum === 'number' && page.schema.minimum === 0) paginate.start = 0;
    if (limit) Object.assign(paginate, { limitParam: limit.name, limit: pageSize(limit, todos) });
    const last = responseField(spec, op.response, LAST_PAGE);
    if (last) paginate.last = last;
    return { paginate, query, todos };
  }
  const next = responseField(spec, op.response, NEXT_URL, 'string');
  if (next) {
    withLimit();
    return { paginate: { type: 'nextUrl', path: next }, query, todos };
  }
  withLimit();
  todos.push('no pagination documented (no Link header, cursor, offset or page parameter); one page is read');
  return { query, todos };
}
