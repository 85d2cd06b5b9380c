import { broadcast, fanOut, mergeBounded } from '../http/async/index.js';
import type { Client } from '../http/client.js';
import type { ChainEnd } from '../http/pagination/index.js';
import type { ChainStart, KindPlan } from './plan.js';

type Json = Record<string, unknown>;

/** One page of a kind's records, with what the mapping binds (`$parent`, the `for` variables). */
export interface PageOfKind {
  records: Json[];
  vars: Json;
  parent?: Json;
  /** The chain's key, for its incremental cursor. */
  chain: string;
}

export interface ReaderOptions {
  kinds: Map<string, KindPlan>;
  client: Client;
  /** How many pipelines consume each kind's pages (itself if stored, plus each child read). */
  consumers: (kind: string) => number;
  /** Chains of one kind read at once. */
  concurrency: number;
  signal?: AbortSignal;
  onWarning?: (message: string) => void;
}

/** Reads kinds page by page; each kind's chains are read once however many pipelines consume them. */
export interface Reader {
  /** The next consumer's stream of `kind`'s pages; call once per consumer counted by `consumers`. */
  pagesOf(kind: string): AsyncIterable<PageOfKind>;
  /** Why a kind's read was cut short (maxPages, a loop, maxItemsPerChain), once its chains ended. */
  cutShort(kind: string): string | undefined;
}

/**
 * The reading half of a run: chains per kind (fan-out over the parent's records for a child
 * kind), and for each chain whether the API ended it or it was cut short, since a cut chain
 * must not count as a complete read (issue 7: a looping next link deleted most of a catalog).
 */
export function createReader(options: ReaderOptions): Reader {
  const { kinds, client, signal, concurrency } = options;
  const cut = new Map<string, string>();
  const markCut = (kind: string, reason: string) => {
    if (!cut.has(kind)) cut.set(kind, reason);
  };
  const parents = new Set(
    [...kinds.values()].flatMap((k) => (k.parent && kinds.has(k.parent) ? [k.parent] : [])),
  );
  const ctx: ChainContext = { client, signal, onWarning: options.onWarning, markCut, parents };
  /** Per shared kind, the consumer streams not yet handed out. */
  const shared = new Map<string, AsyncIterable<PageOfKind>[]>();

  const readPages = (kind: string): AsyncIterable<PageOfKind> => {
    const kp = kinds.get(kind)!;
    if (!kp.parent) {
      return mergeBounded(
        kp.chains().map((c) => chainPages(ctx, kp, c)),
        { concurrency },
      );
    }
    const parents = (async function* () {
      for await (const page of pagesOf(kp.parent!)) yield* page.records;
    })();
    return fanOut(
      parents,
      (parent) =>
        mergeBounded(
          kp.chains(parent).map((c) => chainPages(ctx, kp, c, parent)),
          { concurrency },
        ),
      { concurrency },
    );
  };

  // A kind with several consumers (a parent) is read once and streamed to each, holding only a few
  // pages beyond the slowest: a parent's records are never all kept for the run (issue 7, memory).
  const pagesOf = (kind: string): AsyncIterable<PageOfKind> => {
    const n = options.consumers(kind);
    if (n <= 1) return readPages(kind);
    let streams = shared.get(kind);
    if (!streams) {
      streams = broadcast(() => readPages(kind), n);
      shared.set(kind, streams);
    }
    const next = streams.shift();
    if (!next) throw new Error(`kind ${kind} has more consumers than the ${n} counted`);
    return next;
  };

  return { pagesOf, cutShort: (kind) => cut.get(kind) };
}

/** What reading one chain needs: the client, the run's signal, and where a cut chain is reported. */
export interface ChainContext {
  client: Client;
  signal?: AbortSignal;
  onWarning?: (message: string) => void;
  /** Called once per chain the API did not end (maxPages, a loop, maxItemsPerChain). */
  markCut(kind: string, reason: string): void;
  /**
   * Kinds whose records fan out to a child kind read in this run: their requests take a free
   * concurrency slot first, since every child chain waits for their pages.
   */
  parents?: ReadonlySet<string>;
}

/** One request chain of a kind, page by page; a chain cut short is reported through `markCut`. */
export async function* chainPages(
  ctx: ChainContext,
  kp: KindPlan,
  start: ChainStart,
  parent?: Json,
): AsyncGenerator<PageOfKind> {
  const { client, signal } = ctx;
  const pages = client.pages(start.path, {
    method: start.method,
    query: start.query,
    headers: start.headers,
    body: start.body,
    paginate: kp.paginate,
    records: kp.records,
    kind: kp.kind,
    signal,
    priority: ctx.parents?.has(kp.kind) ? 1 : 0,
  });
  let taken = 0;
  let end: ChainEnd | undefined;
  let finished = false;
  try {
    for (;;) {
      const step = await pages.next();
      if (step.done) {
        finished = true;
        end = step.value;
        break;
      }
      const page = step.value;
      const cap = kp.maxItemsPerChain;
      if (cap !== undefined && taken + page.records.length > cap) {
        // Cut only when records beyond the cap exist (this page, or the next one read to find out).
        const records = page.records.slice(0, Math.max(0, cap - taken));
        if (records.length > 0) yield { records, vars: start.vars, parent, chain: start.key };
        const where = client.redactor.url(page.url);
        ctx.onWarning?.(`${kp.kind}: maxItemsPerChain (${cap}) reached for ${where}; the rest is not read`);
        end = { complete: false, reason: `maxItemsPerChain (${cap}) reached at ${where}` };
        return;
      }
      taken += page.records.length;
      yield { records: page.records, vars: start.vars, parent, chain: start.key };
    }
  } finally {
    if (end && !end.complete) ctx.markCut(kp.kind, end.reason);
    // An early return (the cap, or a consumer that stopped) closes the chain: no further request.
    if (!finished) await pages.return(undefined as never);
  }
}
