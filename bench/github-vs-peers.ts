/**
 * bench/github-vs-peers: the organizations, all repositories and open pull requests of 2 organizations
 * (~1,000 repositories, ~1,000 requests) from the GitHub simulator with 20 ms latency, read by
 * `inlet sync github`, by an octokit script as its docs recommend, and by a naive sequential loop, each in
 * its own child process. Two cases: latency-bound (GitHub's hour, no budget pressure) and budget-bound
 * (250 requests per 2-s window in the x-ratelimit-* headers; the manifest declares 5,000/h). Prints wall
 * time, requests, rate-limit rejections received, peak RSS and the ratios. Targets: Inlet <= 0.8x
 * octokit's time in both cases with zero rejections received. A benchmark, not a test.
 *
 * Run: npm run bench:github-vs-peers   (options: --cap S, the budget-bound stop, default 60;
 *   --only inlet,octokit; --case latency|budget; --profile DIR writes each contender's --cpu-prof there)
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CONTENDERS, type Contender, run, type Target } from './peers/contenders.js';
import { CASES, type CaseName, type ChildResult, type Measured, runPeers } from './peers/run-peers.js';

/** This file: it runs one contender in a child process when given `--contender`. */
export const PEERS_ENTRY = fileURLToPath(import.meta.url);

/** The target the Inlet run must meet against octokit (issue 8). */
export const OCTOKIT_TARGET = 0.8;

const seconds = (m: Measured) =>
  m.status === 'capped'
    ? `> ${(m.wallMs / 1000).toFixed(0)} s (capped)`
    : `${(m.wallMs / 1000).toFixed(2)} s`;

/** Inlet's time over a peer's, per case; `>` when Inlet was capped (the ratio is a lower bound). */
export function ratios(
  results: Measured[],
  peer: Contender,
): Array<{ case: CaseName; text: string; value: number }> {
  const out: Array<{ case: CaseName; text: string; value: number }> = [];
  for (const name of Object.keys(CASES) as CaseName[]) {
    const inlet = results.find((r) => r.case === name && r.contender === 'inlet');
    const other = results.find((r) => r.case === name && r.contender === peer);
    if (!inlet || !other) continue;
    const value = inlet.wallMs / other.wallMs;
    const bound = inlet.status === 'capped' ? '> ' : other.status === 'capped' ? '< ' : '';
    out.push({ case: name, text: `${bound}${value.toFixed(2)}x`, value });
  }
  return out;
}

/** The results as Markdown table rows (also used by bench/all for docs/performance.md). */
export function peersTable(results: Measured[]): string[] {
  const rows = [
    '| case | contender | wall time | requests | rejections received | peak RSS | CPU time | records read |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const m of results) {
    const cpu = Number.isNaN(m.cpuMs) ? '—' : `${(m.cpuMs / 1000).toFixed(2)} s`;
    rows.push(
      `| ${CASES[m.case].title} | ${m.contender} | ${seconds(m)} | ${m.requests.toLocaleString('en')} | ` +
        `${m.rejections} | ${m.peakRssMb.toFixed(0)} MB | ${cpu} | ${m.seen.records.toLocaleString('en')} |`,
    );
  }
  return rows;
}

async function childMain(contender: Contender, target: Target): Promise<void> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const tally = await run[contender](target);
  const used = process.cpuUsage(cpu);
  const result: ChildResult = {
    wallMs: performance.now() - started,
    tally,
    maxRssKb: process.resourceUsage().maxRSS,
    cpuMs: (used.user + used.system) / 1000,
  };
  process.send?.(result, () => process.exit(0));
}

async function main(
  capSeconds: number,
  only?: string,
  onlyCase?: string,
  profileDir?: string,
): Promise<void> {
  const { results } = await runPeers({
    entry: PEERS_ENTRY,
    contenders: only ? (only.split(',') as Contender[]) : CONTENDERS,
    cases: onlyCase ? (onlyCase.split(',') as CaseName[]) : undefined,
    capMs: capSeconds * 1000,
    profileDir,
    log: console.log,
  });
  console.log();
  for (const row of peersTable(results)) console.log(row);
  for (const peer of ['octokit', 'naive'] as const) {
    for (const r of ratios(results, peer)) {
      const goal = peer === 'octokit' ? ` (target <= ${OCTOKIT_TARGET}x)` : '';
      console.log(`inlet / ${peer.padEnd(7)} ${CASES[r.case].title.padEnd(14)} ${r.text}${goal}`);
    }
  }
}

if (process.argv[1] === PEERS_ENTRY) {
  const { values } = parseArgs({
    options: {
      contender: { type: 'string' },
      target: { type: 'string' },
      cap: { type: 'string', default: '60' },
      only: { type: 'string' },
      case: { type: 'string' },
      profile: { type: 'string' },
    },
  });
  if (values.contender)
    await childMain(values.contender as Contender, JSON.parse(values.target ?? '{}') as Target);
  else await main(Number(values.cap), values.only, values.case, values.profile);
}
