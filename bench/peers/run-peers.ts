/**
 * Runs the contenders of bench/github-vs-peers, each in its own child process against a fresh GitHub
 * simulator served from this process (so the simulator's CPU and memory are not the contender's).
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { startSimulator } from '../../integrations/github/simulator/start.js';
import type { Contender, Tally, Target } from './contenders.js';

export const LATENCY_MS = 20;
export const CONCURRENCY = 8; // integrations/github/inlet.yaml connection.concurrency
export const WINDOW = { requests: 250, ms: 2000 };
const SIZE = { orgs: 2, reposPerOrg: 500, prsPerRepo: 4 };
const SEED = 5; // 1,007 repositories (531 + 476): ~1,020 requests

export const CASES = {
  /** GitHub's hour of 5,000 with a token: ~1,000 requests feel no budget, only the 20 ms latency. */
  latency: { title: 'latency-bound', window: undefined },
  /** 250 requests per 2-s window in GitHub's headers, while the manifest still declares 5,000/h. */
  budget: { title: 'budget-bound', window: WINDOW },
} as const;
export type CaseName = keyof typeof CASES;

export interface Measured {
  case: CaseName;
  contender: Contender;
  wallMs: number;
  /** Counted by the simulator: requests received, and primary-limit rejections sent. */
  requests: number;
  rejections: number;
  /** What the contender itself counted (a cross-check of the simulator's numbers). */
  seen: Tally;
  peakRssMb: number;
  /** CPU time of the contender's process during the run, and of the simulator (this process). */
  cpuMs: number;
  simulatorCpuMs: number;
  /** The machine's 1-minute load average when the run started (2 cores, shared). */
  load: number;
  status: Tally['status'];
}

export interface Dataset {
  repos: number;
  openPulls: number;
  /** Requests the work takes without a retry: the organizations, every repository page, every pull page. */
  requests: number;
  /** Longest chain of requests that must go one after another: repository pages, then a pull page. */
  chain: number;
}

/** The child's answer, sent over IPC. */
export interface ChildResult {
  wallMs: number;
  tally: Tally;
  maxRssKb: number;
  cpuMs: number;
}

function vmHwmMb(pid: number): number {
  try {
    const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? Number.NaN : Number(kb) / 1024;
  } catch {
    return Number.NaN;
  }
}

function child(
  entry: string,
  target: Target,
  contender: Contender,
  profileDir?: string,
): Promise<ChildResult | { killedRssMb: number }> {
  const proc = fork(entry, ['--contender', contender, '--target', JSON.stringify(target)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
  });
  return new Promise((resolve, reject) => {
    let result: ChildResult | undefined;
    // A hard stop past the contender's own cap, for one that does not stop by itself.
    const killer = setTimeout(() => {
      const killedRssMb = vmHwmMb(proc.pid ?? 0);
      proc.kill('SIGKILL');
      resolve({ killedRssMb });
    }, target.capMs + 10_000);
    proc.on('message', (message) => {
      result = message as ChildResult;
    });
    proc.once('error', reject);
    proc.once('exit', (code) => {
      clearTimeout(killer);
      if (result) resolve(result);
      else if (!proc.killed) reject(new Error(`${contender} exited with ${code} and no result`));
    });
  });
}

/**
 * Each contender of each case once, in this order, with the simulator's own counts.
 * @example const { results } = await runPeers({ entry: peersFile, contenders: ['inlet'], capMs: 60_000 });
 */
export async function runPeers(options: {
  /** The script that runs one contender when given `--contender` (bench/github-vs-peers). */
  entry: string;
  contenders: readonly Contender[];
  cases?: readonly CaseName[];
  /** The budget-bound run of a contender is stopped after this long and reported as capped. */
  capMs: number;
  /** Write each contender's CPU profile (`--cpu-prof`) into this folder. */
  profileDir?: string;
  log?: (line: string) => void;
}): Promise<{ results: Measured[]; dataset: Dataset }> {
  const results: Measured[] = [];
  let dataset: Dataset | undefined;
  for (const name of options.cases ?? (Object.keys(CASES) as CaseName[])) {
    for (const contender of options.contenders) {
      const sim = await startSimulator({
        seed: SEED,
        size: SIZE,
        latencyMs: LATENCY_MS,
        rateWindow: CASES[name].window,
      });
      dataset ??= describe(sim.data);
      const target: Target = {
        baseUrl: sim.url,
        token: sim.settings.find((s) => s.startsWith('token='))!.slice('token='.length),
        orgs: sim.data.orgs.map((o) => o.login),
        concurrency: CONCURRENCY,
        capMs: options.capMs,
      };
      try {
        const load = loadavg()[0] ?? 0;
        const cpu = process.cpuUsage();
        const answer = await child(options.entry, target, contender, options.profileDir);
        const used = process.cpuUsage(cpu);
        const capped = 'killedRssMb' in answer;
        const measured: Measured = {
          case: name,
          contender,
          wallMs: capped ? target.capMs : answer.wallMs,
          requests: sim.requests.length,
          rejections: sim.rateLimited.length,
          seen: capped ? { requests: 0, rejections: 0, records: 0, status: 'capped' } : answer.tally,
          peakRssMb: capped ? answer.killedRssMb : answer.maxRssKb / 1024,
          cpuMs: capped ? Number.NaN : answer.cpuMs,
          simulatorCpuMs: (used.user + used.system) / 1000,
          load,
          status: capped ? 'capped' : answer.tally.status,
        };
        results.push(measured);
        options.log?.(
          `${CASES[name].title.padEnd(14)} ${contender.padEnd(8)} ${(measured.wallMs / 1000).toFixed(2)} s, ` +
            `${measured.requests} requests, ${measured.rejections} rejections, ${measured.seen.records} records, ` +
            `${measured.peakRssMb.toFixed(0)} MB, CPU ${measured.cpuMs.toFixed(0)} ms (simulator ` +
            `${measured.simulatorCpuMs.toFixed(0)} ms), load ${load.toFixed(1)}, ${measured.status}${measured.seen.detail ? ` (${measured.seen.detail})` : ''}`,
        );
      } finally {
        await sim.close();
      }
    }
  }
  return { results, dataset: dataset! };
}

function describe(data: Awaited<ReturnType<typeof startSimulator>>['data']): Dataset {
  const pages = (n: number) => Math.max(1, Math.ceil(n / 100));
  const open = data.pulls.filter((p) => p.state === 'open');
  const repoPages = Math.max(
    ...data.orgs.map((o) => pages(data.repos.filter((r) => r.org === o.login).length)),
  );
  const pullPages = Math.max(
    ...data.repos.map((r) => pages(open.filter((p) => p.repo === r.fullName).length)),
  );
  const requests =
    data.orgs.length +
    data.orgs.reduce((n, o) => n + pages(data.repos.filter((r) => r.org === o.login).length), 0) +
    data.repos.reduce((n, r) => n + pages(open.filter((p) => p.repo === r.fullName).length), 0);
  return { repos: data.repos.length, openPulls: open.length, requests, chain: repoPages + pullPages };
}
