/**
 * bench/workers: the GitHub simulator (20 ms latency, 2 orgs, 1,000 repositories and their pull
 * requests) synced by one process, then by 1, 2 and 4 `inlet worker` child processes (each its own
 * Redis and PostgreSQL connections, `--concurrency 4`) behind one `sync --queue` coordinator in this
 * process. Latency-bound: the hour of a GitHub App installation on 1,000 repositories (12,500
 * requests), no budget pressure (target: 4 workers <= 0.35x one process). Budget-bound: a window of
 * 300 requests per 2 s in GitHub's headers, shared through Redis (target: 0 rejections across all
 * workers). Each case first runs untimed into another database, then once timed into a fresh one:
 * 20 warm-up runs for the latency-bound case (V8 optimizes a function after enough calls, and each of
 * 4 workers makes a quarter of them: the walls of a 4-worker fleet kept falling until about the 16th
 * run, as a long-lived fleet's hourly resyncs would have them), 1 for the budget-bound case (it
 * measures rejections). Prints each warm-up's wall time, then the timed run's wall time, requests,
 * rejections received, and the CPU it took per process group with the CPU floor (total CPU / cores:
 * the least wall time this machine allows, as the simulator, PostgreSQL, Redis and every worker share
 * its cores); for the latency-bound case also the wall of one more run into the warm-ups' catalog
 * (an unchanged resync, which a fleet repeats every hour). A benchmark, not a test.
 *
 * Run: npm run bench:workers   (options: --workers 1,2,4 --repos 500 per org --warmups 20)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { RateWindow } from '../integrations/github/simulator/rate-limit.js';
import { type GithubSimulator, startSimulator } from '../integrations/github/simulator/start.js';
import { builtInDir } from '../integrations/registry.js';
import { syncQueued } from '../src/queue/coordinator.js';
import { syncIntegration } from '../src/sync/sync-integration.js';
import { startPostgres } from '../src/testing/postgres.js';
import { startRedis } from '../src/testing/redis.js';
import { type CpuGroups, cpuSince, cpuSnapshot } from './process-cpu.js';

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '1,2,4' },
    repos: { type: 'string', default: '500' },
    warmups: { type: 'string', default: '20' },
  },
});
const GITHUB = builtInDir('github') ?? 'integrations/github';
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const SIZE = { orgs: 2, reposPerOrg: Number(values.repos), prsPerRepo: 3 };
const WARMUPS = Number(values.warmups);
const BUDGET: RateWindow = { requests: 300, ms: 2000 };
// An installation gets 50 more requests an hour per repository past 20, up to 12,500
// (docs.github.com: rate limits for GitHub Apps). Each latency-bound run starts a fresh hour
// (sim.resetRateLimits), as an hourly resync would: 21 runs in a row would spend two such hours.
const INSTALLATION: RateWindow = { requests: 12_500, ms: 3_600_000 };

interface Measure {
  case: 'latency' | 'budget';
  who: string;
  wallMs: number;
  requests: number;
  rejections: number;
  status: string;
  cpu: CpuGroups;
  /** Latency-bound only: one more run into the warm-ups' catalog (an unchanged resync), ms. */
  resyncMs?: number;
}

const CORES = cpus().length;
const workerLines: string[] = [];
const settleDown = () => new Promise((resolve) => setTimeout(resolve, 500));

async function workerProcess(queue: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [CLI, 'worker', '--queue', queue, '--concurrency', '4', '--port', '0'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    let err = '';
    let said = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      said = (said + d.toString()).slice(-4000);
      if (said.includes('inlet worker:')) resolve();
      // A failed job attempt or an error a worker logs is shown with the measure; rate-budget waits
      // (warn level) are expected. Complete lines only: the rest waits for the next chunk.
      const lines = err.split('\n');
      err = lines.pop() ?? '';
      for (const line of lines) if (/job failed|"level":[56]0/.test(line)) workerLines.push(line);
    });
    child.once('exit', (code) => reject(new Error(`worker exited ${code}: ${said}`)));
  });
  return child;
}

const redis = await startRedis();
const results: Measure[] = [];

async function measure(kase: Measure['case'], workers: number): Promise<Measure> {
  const sim: GithubSimulator = await startSimulator({
    seed: 1,
    size: SIZE,
    latencyMs: 20,
    // Lists serialized once: the simulator stands for github.com, whose CPU is not this machine's.
    frozen: true,
    rateWindow: kase === 'budget' ? BUDGET : INSTALLATION,
  });
  const warm = await startPostgres();
  const pg = await startPostgres();
  const children =
    workers > 0 ? await Promise.all(Array.from({ length: workers }, () => workerProcess(redis.url))) : [];
  const run = (db: string) => {
    if (kase === 'latency') sim.resetRateLimits();
    return workers === 0
      ? syncIntegration(GITHUB, { set: sim.settings, db })
      : syncQueued(GITHUB, { set: sim.settings, db, queue: redis.url });
  };
  try {
    const warmups: string[] = [];
    for (let i = 0; i < (kase === 'latency' ? WARMUPS : 1); i++) {
      const t = performance.now();
      await run(warm.url);
      warmups.push(((performance.now() - t) / 1000).toFixed(2));
    }
    // The postmaster reaps the warm-up's closed backends (their CPU lands in its cutime) before the snapshot.
    await settleDown();
    const requests = sim.requests.length;
    const rejections = sim.rateLimited.length;
    const cpu0 = cpuSnapshot();
    const started = performance.now();
    const summary = await run(pg.url);
    const wallMs = performance.now() - started;
    await settleDown();
    const cpu = cpuSince(cpu0);
    const sent = sim.requests.length - requests;
    const rejected = sim.rateLimited.length - rejections;
    // The hourly resync of a catalog already synced (the warm-ups'), the run a long-lived fleet repeats.
    let resyncMs: number | undefined;
    if (kase === 'latency') {
      const t = performance.now();
      await run(warm.url);
      resyncMs = performance.now() - t;
    }
    const m: Measure = {
      case: kase,
      who: workers === 0 ? 'one process' : `${workers} worker${workers > 1 ? 's' : ''}`,
      wallMs,
      requests: sent,
      rejections: rejected,
      status: summary.status,
      cpu,
      resyncMs,
    };
    const total = Object.values(m.cpu).reduce((a, b) => a + b, 0);
    const groups = Object.entries(m.cpu)
      .map(([k, v]) => `${k} ${(v / 1000).toFixed(2)}`)
      .join(', ');
    console.log(
      `${m.case.padEnd(8)} ${m.who.padEnd(12)} wall ${(m.wallMs / 1000).toFixed(2).padStart(6)} s  requests ${m.requests}  rejections ${m.rejections}  ${m.status}` +
        `  cpu ${(total / 1000).toFixed(2)} s (${groups}), floor on ${CORES} cores ${(total / CORES / 1000).toFixed(2)} s` +
        `  (warm-ups ${warmups.join(' ')} s)` +
        (resyncMs === undefined ? '' : `  resync of the warm-ups' catalog ${(resyncMs / 1000).toFixed(2)} s`),
    );
    for (const line of workerLines.splice(0).slice(0, 10)) console.log(`  worker: ${line.slice(0, 400)}`);
    return m;
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((resolve) => c.once('exit', resolve))));
    await sim.close();
    await pg.stop();
    await warm.stop();
  }
}

const counts = values.workers.split(',').map(Number);
results.push(await measure('latency', 0));
for (const n of counts) results.push(await measure('latency', n));
results.push(await measure('budget', 0));
results.push(await measure('budget', Math.max(...counts)));
await redis.stop();

const one = results.find((r) => r.case === 'latency' && r.who === 'one process')!;
for (const r of results.filter((x) => x.case === 'latency' && x !== one)) {
  const floor = Object.values(r.cpu).reduce((a, b) => a + b, 0) / CORES;
  console.log(
    `ratio ${r.who} / one process: ${(r.wallMs / one.wallMs).toFixed(2)}x (its CPU floor here: ${(floor / one.wallMs).toFixed(2)}x);` +
      ` resync ${(r.resyncMs! / one.resyncMs!).toFixed(2)}x`,
  );
}
const budgetWorkers = results.filter((r) => r.case === 'budget' && r.who !== 'one process');
console.log(`budget-bound rejections across workers: ${budgetWorkers.reduce((n, r) => n + r.rejections, 0)}`);
process.exit(0);
