/**
 * `npm run bench`: every benchmark once, in sequence, and one table of their ratios against the targets,
 * written to docs/performance.md with the chart docs/performance.svg (drawn here, bench/report/chart.ts).
 * github-vs-peers runs first and bench/limit reads the same Inlet runs; http-overhead, mapping, catalog
 * and sync-memory run as child processes and their printed figures are read back. Under 10 minutes on
 * the project's 2-core machine. A benchmark, not a test.
 *
 * Run: npm run bench   (options: --cap S, the budget-bound stop, default 60; --records N for sync-memory,
 *   default 250,000 here to stay within 10 minutes: its RSS is flat in N; `npm run bench:sync-memory` does 1,000,000)
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { OCTOKIT_TARGET, PEERS_ENTRY, peersTable, ratios } from './github-vs-peers.js';
import { LIMIT_TARGET, limitRows, limitTable } from './limit.js';
import { CONTENDERS } from './peers/contenders.js';
import { CASES, type CaseName, runPeers } from './peers/run-peers.js';
import { barChart } from './report/chart.js';

const { values } = parseArgs({
  options: { cap: { type: 'string', default: '60' }, records: { type: 'string', default: '250000' } },
});
const here = dirname(fileURLToPath(import.meta.url));
// dist/bench → the repository root.
const root = join(here, '..', '..');
const started = performance.now();
const startLoad = loadavg()[0] ?? 0;
/** Seconds each bench took, for the 10-minute budget. */
const took: string[] = [];
let lap = performance.now();
const mark = (name: string) => {
  took.push(`${name} ${((performance.now() - lap) / 1000).toFixed(0)} s`);
  lap = performance.now();
};

/** One line of the summary: a measured ratio and its target (`met` undefined: no target, for information). */
interface Row {
  bench: string;
  measure: string;
  value: string;
  target: string;
  met?: boolean;
}
const rows: Row[] = [];

async function childBench(file: string, args: string[] = []): Promise<string> {
  console.log(`\n== ${file} ${args.join(' ')}`);
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(here, file), ...args], {
    maxBuffer: 16 * 1024 * 1024,
  });
  process.stdout.write(stdout);
  if (stderr) process.stderr.write(stderr);
  mark(file.replace(/\.js$/, ''));
  return stdout;
}

const num = (text: string | undefined) => Number((text ?? 'NaN').replace(/,/g, ''));
// A figure a bench no longer prints is named at the end and fails the run, not left as a silent NaN.
const missing: string[] = [];
const match = (text: string, pattern: RegExp) => {
  const found = pattern.exec(text);
  if (!found) missing.push(String(pattern));
  return found ?? [];
};

console.log(`== github-vs-peers + limit (load ${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores)`);
const { results, dataset } = await runPeers({
  entry: PEERS_ENTRY,
  contenders: CONTENDERS,
  capMs: Number(values.cap) * 1000,
  log: console.log,
});
for (const peer of ['octokit', 'naive'] as const) {
  for (const r of ratios(results, peer)) {
    const inlet = results.find((m) => m.case === r.case && m.contender === 'inlet')!;
    const goal = peer === 'octokit';
    rows.push({
      bench: 'github-vs-peers',
      measure: `${CASES[r.case].title}: Inlet time / ${peer}'s (Inlet received ${inlet.rejections} rejections)`,
      value: r.text,
      target: goal ? `<= ${OCTOKIT_TARGET}x, 0 rejections` : '—',
      met: goal ? inlet.status === 'ok' && r.value <= OCTOKIT_TARGET && inlet.rejections === 0 : undefined,
    });
  }
}
mark('github-vs-peers');
const limits = limitRows(results, dataset);
for (const { measured, ratio } of limits) {
  rows.push({
    bench: 'limit',
    measure: `${CASES[measured.case].title}: Inlet time / physical limit`,
    value: `${measured.status === 'capped' ? '> ' : ''}${ratio.toFixed(2)}x`,
    target: `<= ${LIMIT_TARGET}x`,
    met: measured.status === 'ok' && ratio <= LIMIT_TARGET,
  });
}

const http = await childBench('http-overhead.js');
const httpRatio = num(match(http, /^ratio\s+:\s+([\d.]+)/m)[1]);
rows.push({
  bench: 'http-overhead',
  measure: 'createClient().get req/s / raw undici.request req/s',
  value: httpRatio.toFixed(3),
  target: '>= 0.85',
  met: httpRatio >= 0.85,
});
const httpCpu = num(match(http, /^cpu ratio\s+:\s+([\d.]+)/m)[1]);
rows.push({
  bench: 'http-overhead',
  measure: 'raw CPU per request / client CPU per request',
  value: httpCpu.toFixed(3),
  target: '—',
});

const mapping = await childBench('mapping.js');
const mapped = [...mapping.matchAll(/^(.+?)\s+([\d,]+) entities\/s/gm)].map((m) => ({
  label: m[1]!,
  rate: num(m[2]),
}));
const rate = (label: RegExp) => mapped.find((m) => label.test(m.label))?.rate ?? Number.NaN;
for (const kind of ['repository', 'pull-request']) {
  const jq = rate(new RegExp(`${kind} mapping, jq-only`));
  const compiled = rate(new RegExp(`${kind} mapping, as compiled`));
  rows.push({
    bench: 'mapping',
    measure: `Ocean ${kind} mapping: as compiled / jq-only (${compiled.toLocaleString('en')} entities/s)`,
    value: `${(compiled / jq).toFixed(1)}x`,
    target: '—',
  });
}

const catalog = await childBench('catalog.js');
const inserts = num(match(catalog, /^insert\s*: .* = ([\d,]+)\/s/m)[1]);
const resync = num(match(catalog, /^resync \(same\): .* in ([\d.]+) s/m)[1]);
rows.push({
  bench: 'catalog',
  measure: `SQLite inserts/s / 100,000 (${inserts.toLocaleString('en')}/s)`,
  value: `${(inserts / 100_000).toFixed(2)}x`,
  target: '>= 1',
  met: inserts >= 100_000,
});
rows.push({
  bench: 'catalog',
  measure: 'unchanged resync of 100,000 / 2 s',
  value: `${(resync / 2).toFixed(2)}x (${resync.toFixed(2)} s)`,
  target: '<= 1',
  met: resync <= 2,
});

const memory = await childBench('sync-memory.js', ['--records', values.records, '--case', 'leaf']);
const rss = num(match(memory, /^peak RSS\s+([\d.]+) MB/m)[1]);
const recordsPerSecond = num(match(memory, /^duration .* = ([\d,]+) records\/s/m)[1]);
rows.push({
  bench: 'sync-memory',
  measure: `peak RSS of a ${num(values.records).toLocaleString('en')}-record sync / 300 MB (${recordsPerSecond.toLocaleString('en')} records/s)`,
  value: `${(rss / 300).toFixed(2)}x (${rss.toFixed(0)} MB)`,
  target: '<= 1',
  met: rss <= 300 && /catalog rows .* OK/.test(memory),
});
// A parent kind's pages are streamed to its children, never all kept (issue 7): 150,000 parents of ~2 KB.
const parentMemory = await childBench('sync-memory.js', ['--case', 'parent']);
const parentRss = num(match(parentMemory, /^peak RSS\s+([\d.]+) MB/m)[1]);
rows.push({
  bench: 'sync-memory',
  measure: 'peak RSS of 150,000 parent records of ~2 KB with one child kind / 250 MB',
  value: `${(parentRss / 250).toFixed(2)}x (${parentRss.toFixed(0)} MB)`,
  target: '<= 1',
  met: parentRss <= 250 && /catalog rows .* OK/.test(parentMemory),
});

const webhooks = await childBench('webhooks.js');
const hookRate = num(match(webhooks, /^throughput : .* = ([\d,]+)\/s/m)[1]);
const hookP99 = Number(match(webhooks, /^time to 2xx: .* p99 ([\d.]+) ms/m)[1]);
rows.push({
  bench: 'webhooks',
  measure: `verified deliveries/s into the SQLite inbox / 3,000 (${hookRate.toLocaleString('en')}/s)`,
  value: `${(hookRate / 3000).toFixed(2)}x`,
  target: '>= 1',
  met: hookRate >= 3000 && /inbox rows .* OK/.test(webhooks),
});
rows.push({
  bench: 'webhooks',
  measure: 'p99 time to 2xx / 20 ms',
  value: `${(hookP99 / 20).toFixed(2)}x (${hookP99.toFixed(1)} ms)`,
  target: '<= 1',
  met: hookP99 <= 20,
});

// Scale-out (issue 11): 4 `inlet worker` processes against one process, and one budget across them.
const workers = await childBench('workers.js', ['--workers', '4']);
const workersRatio = num(match(workers, /^ratio 4 workers \/ one process: (?:median )?([\d.]+)x/m)[1]);
const workersRejections = num(match(workers, /^budget-bound rejections across workers: (\d+)/m)[1]);
rows.push({
  bench: 'workers',
  measure: '4 workers / one process, latency-bound (2 orgs, 1,000 repositories, 20 ms)',
  value: `${workersRatio.toFixed(2)}x`,
  target: '<= 0.35',
  met: workersRatio <= 0.35,
});
rows.push({
  bench: 'workers',
  measure: 'rejections across 4 workers, 300 requests per 2 s window',
  value: String(workersRejections),
  target: '0',
  met: workersRejections === 0,
});

const totalSeconds = (performance.now() - started) / 1000;
const chartGroups = (Object.keys(CASES) as CaseName[]).map((name) => ({
  title: CASES[name].title,
  bars: results
    .filter((m) => m.case === name)
    .map((m) => ({ label: m.contender, value: m.wallMs / 1000, lowerBound: m.status === 'capped' })),
  reference: (limits.find((l) => l.measured.case === name)?.limitMs ?? Number.NaN) / 1000,
}));
const svg = barChart(
  `github-vs-peers: wall time, 2 orgs / ${dataset.repos.toLocaleString('en')} repositories, 20 ms latency`,
  chartGroups,
  'physical limit',
);
const metText = (met: boolean | undefined) => (met === undefined ? '' : met ? 'yes' : '**no**');
const markdown = [
  '# Performance',
  '',
  'Written by `npm run bench` (bench/all.ts); do not edit by hand. Every figure below comes from one run on',
  `the project's shared machine (${cpus().length} cores; 1-minute load average ${startLoad.toFixed(1)} at the start,`,
  `${(loadavg()[0] ?? 0).toFixed(1)} at the end: other work shares the cores, so absolute times vary between runs`,
  `and the ratios of contenders run side by side are the figures to compare). It took ${totalSeconds.toFixed(0)} s`,
  `(${took.join(', ')}), plus the build.`,
  '',
  '## Ratios against the targets',
  '',
  '| bench | measure | measured | target | met |',
  '|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.bench} | ${r.measure} | ${r.value} | ${r.target} | ${metText(r.met)} |`),
  '',
  '![github-vs-peers wall time](performance.svg)',
  '',
  '## github-vs-peers',
  '',
  `The organizations, all ${dataset.repos.toLocaleString('en')} repositories and ${dataset.openPulls.toLocaleString('en')} open pull requests of 2 organizations on the`,
  'GitHub simulator (`integrations/github/simulator`, 20 ms before every response), read by `inlet sync github`',
  '(the shipped manifest and mapping, into SQLite), by an octokit script (`@octokit/core` with the throttling,',
  "retry and paginate-rest plugins; repositories, then pull requests through `p-limit` at the manifest's",
  "concurrency of 8) and by a naive sequential `fetch` loop, each in its own process. Latency-bound: GitHub's",
  'hour of 5,000. Budget-bound: 250 requests per 2-s window in `x-ratelimit-*`, the manifest declaring 5,000/h;',
  `a run still going after ${values.cap} s is stopped and shown as capped. Requests and rejections are counted by the simulator.`,
  '',
  ...peersTable(results),
  '',
  '## limit',
  '',
  "Inlet's time over max(R·L/C, R·W/B, longest dependent chain × L): R requests received (a capped run: those of the whole work), L = 20 ms, C = 8,",
  `W/B = 2 s / 250 (no term when R fits in one window's budget), chain = ${dataset.chain} requests (the repository pages of`,
  "the larger organization, each behind the previous page's Link, then a pull-request page).",
  '',
  ...limitTable(limits),
  '',
  '## The other benches',
  '',
  '```',
  http.trim(),
  '```',
  '',
  '```',
  mapping.trim(),
  '```',
  '',
  '```',
  catalog.trim(),
  '```',
  '',
  '```',
  memory.trim(),
  '```',
  '',
  '```',
  webhooks.trim(),
  '```',
  '',
].join('\n');
mkdirSync(join(root, 'docs'), { recursive: true });
writeFileSync(join(root, 'docs', 'performance.svg'), svg);
// Sections measured by hand (shared budget, webhooks, workers) follow KEEP and survive a rerun.
const KEEP = '<!-- kept by bench/all.ts: sections below are measured by their own benches -->';
const target = join(root, 'docs', 'performance.md');
const previous = existsSync(target) ? readFileSync(target, 'utf8') : '';
const kept = previous.includes(KEEP) ? previous.slice(previous.indexOf(KEEP)) : '';
writeFileSync(target, kept ? `${markdown}\n${kept}` : markdown);
console.log(`\nwrote docs/performance.md and docs/performance.svg (${totalSeconds.toFixed(0)} s)`);
for (const r of rows)
  console.log(
    `${metText(r.met).replace(/\*/g, '').padEnd(4)} ${r.bench}: ${r.measure}: ${r.value} (target ${r.target})`,
  );
if (missing.length > 0) {
  for (const pattern of missing) console.error(`no line of a bench's output matched ${pattern}`);
  process.exitCode = 1;
}
