/**
 * What a local run and a queued job do with each page of a kind: map it, store it under the run,
 * count it, and keep the greatest incremental cursor per chain. One code path for both, so a run
 * split across workers writes exactly what one process writes (docs: README "Running on several machines").
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { CatalogStore, Entity } from '../catalog/index.js';
import { type InletError, isInletError } from '../errors/errors.js';
import type { Redactor } from '../http/redact.js';
import type { HttpEvent } from '../http/types.js';
import type { KindSummary, Mapper } from './engine.js';
import type { KindPlan } from './plan.js';
import type { PageOfKind } from './read-kinds.js';

type Json = Record<string, unknown>;

/** The kind whose pipeline caused the current async work, so HTTP events count against it. */
export const kindContext = new AsyncLocalStorage<KindSummary>();

/**
 * Counts a client event (a request on the wire, a retry) against the kind being read. Pass it
 * to the client's `onEvent`. A parent read once for several kinds counts against the kind that
 * pulled it first.
 */
export function countHttpEvent(event: HttpEvent): void {
  const summary = kindContext.getStore();
  if (!summary) return;
  if (event.type === 'request') summary.requests++;
  else if (event.type === 'retry') summary.retries++;
}

/** Keeps the greatest cursor per chain; numbers compare as numbers, anything else as strings (ISO dates sort). */
function trackCursor(cursors: Json, page: PageOfKind, cursor: (r: Json) => unknown): void {
  for (const record of page.records) {
    const value = cursor(record);
    if (value === null || value === undefined || value === '') continue;
    const current = cursors[page.chain];
    const greater =
      current === undefined ||
      (typeof value === 'number' && typeof current === 'number'
        ? value > current
        : String(value) > String(current));
    if (greater) cursors[page.chain] = value;
  }
}

/** Where a page goes: the run it is stored under, its mapper and the catalog. */
export interface PageTarget {
  integration: string;
  runId: number;
  mapper: Mapper;
  store: Pick<CatalogStore, 'upsertBatch'>;
  signal: AbortSignal;
}

/** What a kind's pages add up to: counts, blueprints seen (a computed blueprint), cursors per chain. */
export interface PageTally {
  summary: KindSummary;
  blueprints: Set<string>;
  cursors: Json;
}

/**
 * Map pages (records already cut to any cap; one jq call per page) and upsert them under the run in
 * one write (upsertBatch marks them seen): pages that piled up while the last write ran cost one
 * transaction, not one each.
 */
export async function storePages(
  target: PageTarget,
  kp: KindPlan,
  pages: PageOfKind[],
  tally: PageTally,
): Promise<void> {
  const { summary } = tally;
  const entities: Entity[] = [];
  for (const page of pages) {
    if (kp.incremental) trackCursor(tally.cursors, page, kp.incremental.cursor);
    summary.records += page.records.length;
    // The signal ends a page whose jq never finishes (Ctrl-C within a moment, not mapping.timeout).
    const mapped = await target.mapper.mapPage(
      kp.kind,
      page.records,
      { parent: page.parent, vars: page.vars },
      { signal: target.signal },
    );
    summary.skipped += mapped.skipped;
    for (const e of mapped.entities) {
      tally.blueprints.add(e.blueprint);
      entities.push(e);
    }
  }
  // Pages without entities (a repository without pull requests) write nothing: no transaction.
  if (entities.length === 0) return;
  const stored = await target.store.upsertBatch(target.integration, target.runId, entities);
  summary.upserted += stored.upserted;
  summary.unchanged += stored.unchanged;
}

/** A failure's one-line, redacted form naming the kind (`E_AUTH repo GET …`) and its stable code. */
export function failureOf(
  error: unknown,
  kind: string,
  redactor: Redactor,
  aborted: boolean,
): { error: string; errorCode?: string } {
  if (isInletError(error)) return { error: lineOfKind(error, kind), errorCode: error.code };
  const message = redactor.text(error instanceof Error ? error.message : String(error));
  return { error: message, errorCode: aborted ? undefined : 'E_INTERNAL' };
}

/** The error's one-line form naming the kind it failed (`E_AUTH repo GET …`), without changing the error. */
function lineOfKind(error: InletError, kind: string): string {
  const line = error.toLine();
  return error.kind === undefined ? line.replace(/^(E_[A-Z_]+)/, `$1 ${kind}`) : line;
}
