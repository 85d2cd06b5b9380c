import type { Writer } from './types.js';

/** An entity's last single-entity write as stored in `entity_versions` (either store). */
export interface VersionRow {
  order_value: string | null;
  order_numeric: boolean | number;
  deleted: boolean | number;
}

/** `writer.order` as stored: its text, and whether it was a number (so it compares numerically). */
export function encodeOrder(order: Writer['order']): { value: string | null; numeric: boolean } {
  if (order === undefined) return { value: null, numeric: false };
  return { value: String(order), numeric: typeof order === 'number' };
}

/**
 * True when a write of `order` is older than the entity's last applied order, so it must change nothing.
 * Two numbers compare numerically, anything else as strings (ISO 8601 timestamps sort); an equal order
 * applies, and a write or a stored version without an order never is stale (arrival order).
 */
export function isStale(order: Writer['order'], last: VersionRow | undefined): boolean {
  if (order === undefined || last === undefined || last.order_value === null) return false;
  if (typeof order === 'number' && last.order_numeric) return order < Number(last.order_value);
  return String(order) < last.order_value;
}

/** The order a write leaves behind: its own, or (written without one) the last applied order, kept. */
export function nextOrder(
  order: Writer['order'],
  last: VersionRow | undefined,
): { value: string | null; numeric: boolean } {
  if (order !== undefined || last === undefined) return encodeOrder(order);
  return { value: last.order_value, numeric: Boolean(last.order_numeric) };
}

/** The key of an entity in a batch, to drop the ones a newer tombstone forbids. */
export const entityKey = (blueprint: string, identifier: string): string => `${blueprint}\u0000${identifier}`;
