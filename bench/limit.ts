/**
 * bench/limit: `inlet sync github`'s measured time over the physical limit of the same work,
 * max(R·L/C, R·W/B, longest dependent chain × L), with R the requests the simulator received (for a capped run,
 * the requests of the whole work), L its 20 ms
 * latency, C the manifest's concurrency, W/B the rate window and its budget (budget-bound case; no term when
 * R fits in one window's budget, as ~1,000 requests do in GitHub's 5,000/h), and the chain the repository
 * pages of the largest organization (each needs the previous page's Link) followed by a pull-request page.
 * Targets: <= 1.3x in both cases. A benchmark, not a test.
 *
 * Run: npm run bench:limit   (options: --cap S, the budget-bound stop, default 60)
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PEERS_ENTRY } from './github-vs-peers.js';
import { CASES, CONCURRENCY, type Dataset, LATENCY_MS, type Measured, runPeers } from './peers/run-peers.js';

export const LIMIT_TARGET = 1.3;

export interface LimitTerms {
  /** Requests at the manifest's concurrency, each one latency long. */
  latency: number;
  /** Windows the requests need beyond the first (0 when they fit in one window's budget). */
  budget: number;
  /** The longest chain of requests that must go one after another. */
  chain: number;
}

/**
 * The physical limit of a run, ms, and the terms it is the maximum of.
 * @example physicalLimit({ requests: 1020, latencyMs: 20, concurrency: 8, chain: 7 }).limitMs // 2550
 */
export function physicalLimit(run: {
  requests: number;
  latencyMs: number;
  concurrency: number;
  chain: number;
  window?: { requests: number; ms: number };
}): { limitMs: number; terms: LimitTerms } {
  const { requests, latencyMs, concurrency, chain, window } = run;
  const terms: LimitTerms = {
    latency: (requests * latencyMs) / concurrency,
    budget: window && requests > window.requests ? (requests * window.ms) / window.requests : 0,
    chain: chain * latencyMs,
  };
  return { limitMs: Math.max(terms.latency, terms.budget, terms.chain), terms };
}

/** Measured over limit for each Inlet run among `results`. */
export function limitRows(
  results: Measured[],
  dataset: Dataset,
): Array<{ measured: Measured; limitMs: number; terms: LimitTerms; ratio: number }> {
  return results
    .filter((m) => m.contender === 'inlet')
    .map((measured) => {
      const { limitMs, terms } = physicalLimit({
        // A capped run did part of the work: its limit is that of the whole work.
        requests: measured.status === 'ok' ? measured.requests : dataset.requests,
        latencyMs: LATENCY_MS,
        concurrency: CONCURRENCY,
        chain: dataset.chain,
        window: CASES[measured.case].window,
      });
      return { measured, limitMs, terms, ratio: measured.wallMs / limitMs };
    });
}

/** Markdown rows of the limit table (also used by bench/all). */
export function limitTable(rows: ReturnType<typeof limitRows>): string[] {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const out = [
    '| case | measured | R·L/C | R·W/B | chain × L | limit | measured / limit |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const { measured, limitMs, terms, ratio } of rows) {
    const capped = measured.status === 'capped';
    out.push(
      `| ${CASES[measured.case].title} | ${capped ? '> ' : ''}${s(measured.wallMs)}${capped ? ' (capped)' : ''} | ` +
        `${s(terms.latency)} | ${terms.budget ? s(terms.budget) : '—'} | ${s(terms.chain)} | ${s(limitMs)} | ` +
        `${capped ? '> ' : ''}${ratio.toFixed(2)}x |`,
    );
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { cap: { type: 'string', default: '60' } } });
  const { results, dataset } = await runPeers({
    entry: PEERS_ENTRY,
    contenders: ['inlet'],
    capMs: Number(values.cap) * 1000,
    log: console.log,
  });
  console.log();
  for (const row of limitTable(limitRows(results, dataset))) console.log(row);
  console.log(`target: <= ${LIMIT_TARGET}x in both cases`);
}
