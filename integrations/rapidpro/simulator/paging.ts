/**
 * RapidPro's list pagination (Django REST framework CursorPagination, ordered newest first): pages of
 * 250 in `results`, absolute `next` / `previous` URLs carrying an opaque `cursor=`, `null` at the ends.
 * A cursor is a position (ordering value + tie-breaker), so inserts between pages never repeat a record.
 */

export interface Position {
  /** The ordering value (`created_on` or `modified_on`, all in one fixed-width format). */
  at: string;
  /** Tie-breaker for equal ordering values (RapidPro uses `-id`). */
  uuid: string;
}

export interface ListPage<T> {
  next: string | null;
  previous: string | null;
  results: T[];
}

/** Newest first, then by uuid descending. */
export function newestFirst<T>(items: T[], position: (item: T) => Position): T[] {
  return [...items].sort((a, b) => {
    const pa = position(a);
    const pb = position(b);
    return pa.at === pb.at ? cmp(pb.uuid, pa.uuid) : cmp(pb.at, pa.at);
  });
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** True when `item` sorts after `pos` (is older). */
const after = (item: Position, pos: Position) =>
  item.at < pos.at || (item.at === pos.at && item.uuid < pos.uuid);

interface Cursor extends Position {
  reverse: boolean;
}

function encode(cursor: Cursor): string {
  const params = new URLSearchParams({ p: cursor.at, u: cursor.uuid });
  if (cursor.reverse) params.set('r', '1');
  return Buffer.from(params.toString()).toString('base64');
}

/** The decoded cursor, or undefined when it is not one of ours (DRF answers 404 "Invalid cursor"). */
export function decodeCursor(text: string): Cursor | undefined {
  if (!/^[A-Za-z0-9+/=_-]+$/.test(text)) return undefined;
  const params = new URLSearchParams(Buffer.from(text, 'base64').toString('utf8'));
  const at = params.get('p');
  const uuid = params.get('u');
  if (!at || !uuid) return undefined;
  return { at, uuid, reverse: params.get('r') === '1' };
}

/**
 * One page of `sorted` (already filtered and ordered) for the request at `url`.
 * @example listPage(newestFirst(flows, pos), pos, requestUrl, undefined, 250)
 */
export function listPage<T>(
  sorted: T[],
  position: (item: T) => Position,
  url: string,
  cursor: Cursor | undefined,
  pageSize: number,
): ListPage<T> {
  let start = 0;
  let end = Math.min(pageSize, sorted.length);
  if (cursor?.reverse) {
    // The records newer than the cursor are a prefix of `sorted`; the previous page is its last `pageSize`.
    end = sorted.filter((item) => !after(position(item), cursor) && !same(position(item), cursor)).length;
    start = Math.max(0, end - pageSize);
  } else if (cursor) {
    const first = sorted.findIndex((item) => after(position(item), cursor));
    start = first === -1 ? sorted.length : first;
    end = Math.min(start + pageSize, sorted.length);
  }
  const results = sorted.slice(start, end);
  const link = (c: Cursor) => {
    const next = new URL(url);
    next.searchParams.set('cursor', encode(c));
    return next.toString();
  };
  const last = results.at(-1);
  const first = results[0];
  return {
    next: last && end < sorted.length ? link({ ...position(last), reverse: false }) : null,
    previous: first && start > 0 ? link({ ...position(first), reverse: true }) : null,
    results,
  };
}

const same = (a: Position, b: Position) => a.at === b.at && a.uuid === b.uuid;
