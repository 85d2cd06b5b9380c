/**
 * bench/workers: the GitHub simulator (20 ms latency, 2 orgs, 1,000 repositories and their pull
 * requests) synced by one process and by fleets of 1, 2 and 4 `inlet worker` child processes (each its
 * own Redis and PostgreSQL connections, `--concurrency 2`) behind one `sync --queue` coordinator in this
 * process. Latency-bound: the hour of a GitHub App installation on 1,000 repositories (12,500
 * requests), no budget pressure (target: 4 workers <= 0.35x one process). Budget-bound: a window of
 * 300 requests per 2 s in GitHub's headers, shared through Redis (target: 0 rejections across all
 * workers). A benchmark, not a test.
 *
 * Latency-bound, interleaved: the machines this runs on are shared and their speed drifts by a third
 * within minutes (docs/performance.md), so one timed run of one process at the start and one of the
 * fleet minutes later compare two machines. Every fleet stays up (each on a Redis database of its own), and each of
 * `--rounds` rounds times a first sync into a fresh database by one process and by each fleet back to
 * back, then an unchanged resync of each one's warm-up catalog; a ratio is taken within a round, and
 * the median of the rounds is printed beside every round's. Before the rounds each process warms up
 * for about the same number of calls: one process (and a 1-worker fleet) `--warmups` / 4 runs, a
 * fleet of n workers n / 4 of `--warmups`, as each of its workers makes 1/n of the calls (V8 optimizes
 * a function after enough calls: the walls of a 4-worker fleet kept falling until about its 16th run,
 * as a long-lived fleet's hourly resyncs would have them). Each timed run prints its CPU per process
 * group and the CPU floor (total CPU / cores: the least wall time this machine allows, as the
 * simulator, PostgreSQL, Redis and every worker share its cores). The budget-bound case runs one
 * process, then the largest fleet, once untimed and once timed, and counts rejections.
 *
 * Run: npm run bench:workers   (options: --workers 1,2,4 --repos 500 per org --warmups 20 --rounds 5)
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
import { startPostgres, type TestPostgres } from '../src/testing/postgres.js';
import { startRedis, type TestRedis } from '../src/testing/redis.js';
import { type CpuGroups, cpuSince, cpuSnapshot } from './process-cpu.js';

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '1,2,4' },
    repos: { type: 'string', default: '500' },
    warmups: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '5' },
  },
});
const GITHUB = builtInDir('github') ?? 'integrations/github';
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const SIZE = { orgs: 2, reposPerOrg: Number(values.repos), prsPerRepo: 3 };
const WARMUPS = Number(values.warmups);
const ROUNDS = Math.max(1, Number(values.rounds));
const COUNTS = values.workers.split(',').map(Number);
const BUDGET: RateWindow = { requests: 300, ms: 2000 };
// An installation gets 50 more requests an hour per repository past 20, up to 12,500
// (docs.github.com: rate limits for GitHub Apps). Each latency-bound run starts a fresh hour
// (sim.resetRateLimits), as an hourly resync would.
const INSTALLATION: RateWindow = { requests: 12_500, ms: 3_600_000 };
const CORES = cpus().length;
// Two jobs per worker: one child batch already fills a worker's 8 connections (the manifest's
// concurrency), and a worker holding 4 batches keeps work the others could take (docs/performance.md:
// 6-10% shorter walls than 4 in interleaved runs).
const JOBS = 2;
const workerLines: string[] = [];
const settleDown = () => new Promise((resolve) => setTimeout(resolve, 500));
const secs = (ms: number) => (ms / 1000).toFixed(2);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const totalCpu = (cpu: CpuGroups) => Object.values(cpu).reduce((a, b) => a + b, 0);

async function workerProcess(queue: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [CLI, 'worker', '--queue', queue, '--concurrency', String(JOBS), '--port', '0'],
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

/** One process (workers 0) or a fleet on its own Redis, with the catalog its warm-ups filled. */
interface Runner {
  who: string;
  workers: number;
  redis?: TestRedis;
  children: ChildProcess[];
  warm: TestPostgres;
}

let fleets = 0;

async function startRunner(workers: number): Promise<Runner> {
  // startRedis shares one server per process: each fleet gets a database of its own, or every
  // worker of every fleet would take the jobs of one queue.
  const shared = workers > 0 ? await startRedis() : undefined;
  const redis = shared && { ...shared, url: `${shared.url.replace(/\/+(\d+)?$/, '')}/${++fleets}` };
  const children = redis
    ? await Promise.all(Array.from({ length: workers }, () => workerProcess(redis.url)))
    : [];
  const who = workers === 0 ? 'one process' : `${workers} worker${workers > 1 ? 's' : ''}`;
  return { who, workers, redis, children, warm: await startPostgres() };
}

async function stopRunner(r: Runner): Promise<void> {
  for (const child of r.children) child.kill('SIGTERM');
  await Promise.all(r.children.map((c) => new Promise((resolve) => c.once('exit', resolve))));
  await r.redis?.stop();
  await r.warm.stop();
}

const syncBy = (r: Runner, sim: GithubSimulator, db: string) =>
  r.redis
    ? syncQueued(GITHUB, { set: sim.settings, db, queue: r.redis.url })
    : syncIntegration(GITHUB, { set: sim.settings, db });

interface Timed {
  wallMs: number;
  requests: number;
  rejections: number;
  status: string;
  cpu: CpuGroups;
}

/** A timed run into `db` (`before` just before it starts); CPU counted from a quiet start to a quiet end. */
async function timed(r: Runner, sim: GithubSimulator, db: string, before?: () => void): Promise<Timed> {
  // The postmaster reaps the previous run's closed backends (their CPU lands in its cutime) first.
  await settleDown();
  before?.();
  const requests = sim.requests.length;
  const rejections = sim.rateLimited.length;
  const cpu0 = cpuSnapshot();
  const started = performance.now();
  const summary = await syncBy(r, sim, db);
  const wallMs = performance.now() - started;
  await settleDown();
  return {
    wallMs,
    requests: sim.requests.length - requests,
    rejections: sim.rateLimited.length - rejections,
    status: summary.status,
    cpu: cpuSince(cpu0),
  };
}

function cpuText(cpu: CpuGroups): string {
  const groups = Object.entries(cpu)
    .map(([k, v]) => `${k} ${secs(v)}`)
    .join(', ');
  return `cpu ${secs(totalCpu(cpu))} s (${groups}), floor on ${CORES} cores ${secs(totalCpu(cpu) / CORES)} s`;
}

function flushWorkerLines(): void {
  for (const line of workerLines.splice(0).slice(0, 10)) console.log(`  worker: ${line.slice(0, 400)}`);
}

async function latencyBound(): Promise<void> {
  const sim = await startSimulator({
    seed: 1,
    size: SIZE,
    latencyMs: 20,
    // Lists serialized once: the simulator stands for github.com, whose CPU is not this machine's.
    frozen: true,
    rateWindow: INSTALLATION,
  });
  const runners: Runner[] = [];
  const fresh: TestPostgres[] = [];
  try {
    for (const n of [0, ...COUNTS]) runners.push(await startRunner(n));
    for (const r of runners) {
      const count = Math.max(1, Math.round((WARMUPS * Math.max(1, r.workers)) / 4));
      const walls: string[] = [];
      for (let i = 0; i < count; i++) {
        sim.resetRateLimits();
        const t = performance.now();
        await syncBy(r, sim, r.warm.url);
        walls.push(secs(performance.now() - t));
      }
      console.log(`latency  ${r.who.padEnd(12)} warm-ups ${walls.join(' ')} s`);
      flushWorkerLines();
    }
    const first = new Map<Runner, Timed[]>(runners.map((r) => [r, []]));
    const resync = new Map<Runner, number[]>(runners.map((r) => [r, []]));
    for (let round = 0; round < ROUNDS; round++) {
      // Each round starts with another runner: none is always the first after a pause.
      const order = runners.map((_, i) => runners[(i + round) % runners.length]!);
      for (const r of order) {
        const db = await startPostgres();
        fresh.push(db);
        const m = await timed(r, sim, db.url, () => sim.resetRateLimits());
        // Dropped at once, so later rounds do not run beside a growing pile of fresh catalogs for
        // autovacuum to visit (the slower late rounds were not this, docs/performance.md).
        await db.stop();
        fresh.splice(fresh.indexOf(db), 1);
        first.get(r)!.push(m);
        console.log(
          `latency  round ${round + 1} ${r.who.padEnd(12)} first sync ${secs(m.wallMs).padStart(5)} s  requests ${m.requests}  rejections ${m.rejections}  ${m.status}  ${cpuText(m.cpu)}`,
        );
        flushWorkerLines();
      }
      for (const r of order) {
        const m = await timed(r, sim, r.warm.url, () => sim.resetRateLimits());
        resync.get(r)!.push(m.wallMs);
      }
    }
    report(runners, first, resync);
  } finally {
    for (const r of runners) await stopRunner(r);
    for (const db of fresh) await db.stop();
    await sim.close();
  }
}

function report(runners: Runner[], first: Map<Runner, Timed[]>, resync: Map<Runner, number[]>): void {
  const one = runners[0]!;
  for (const r of runners) {
    const walls = first.get(r)!.map((m) => m.wallMs);
    const floors = first.get(r)!.map((m) => totalCpu(m.cpu) / CORES);
    console.log(
      `latency  ${r.who.padEnd(12)} first sync median ${secs(median(walls))} s (${walls.map(secs).join(' ')}), CPU floor median ${secs(median(floors))} s;` +
        ` resync median ${secs(median(resync.get(r)!))} s (${resync.get(r)!.map(secs).join(' ')})`,
    );
  }
  for (const r of runners.slice(1)) {
    const ratios = first.get(r)!.map((m, i) => m.wallMs / first.get(one)![i]!.wallMs);
    const floors = first.get(r)!.map((m, i) => totalCpu(m.cpu) / CORES / first.get(one)![i]!.wallMs);
    const resyncs = resync.get(r)!.map((ms, i) => ms / resync.get(one)![i]!);
    const x = (v: number) => `${v.toFixed(2)}x`;
    console.log(
      `ratio ${r.who} / one process: median ${x(median(ratios))} (rounds ${ratios.map(x).join(' ')}; its CPU floor here: median ${x(median(floors))});` +
        ` resync median ${x(median(resyncs))} (rounds ${resyncs.map(x).join(' ')})`,
    );
  }
}

/** Budget-bound: one untimed run into another database, then one timed into a fresh one. */
async function budgetBound(workers: number): Promise<number> {
  const sim = await startSimulator({ seed: 1, size: SIZE, latencyMs: 20, frozen: true, rateWindow: BUDGET });
  const r = await startRunner(workers);
  const db = await startPostgres();
  try {
    await syncBy(r, sim, r.warm.url);
    const m = await timed(r, sim, db.url);
    console.log(
      `budget   ${r.who.padEnd(12)} wall ${secs(m.wallMs).padStart(6)} s  requests ${m.requests}  rejections ${m.rejections}  ${m.status}  ${cpuText(m.cpu)}`,
    );
    flushWorkerLines();
    return m.rejections;
  } finally {
    await stopRunner(r);
    await db.stop();
    await sim.close();
  }
}

await latencyBound();
await budgetBound(0);
const rejected = await budgetBound(Math.max(...COUNTS));
console.log(`budget-bound rejections across workers: ${rejected}`);
process.exit(0);
