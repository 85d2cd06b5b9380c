/**
 * CPU time of every process on the machine, from /proc/<pid>/stat (utime + stime, proc(5)), grouped:
 * this process, the `inlet worker` children, PostgreSQL and Redis. A run's CPU is the difference of
 * two snapshots; on a machine of N cores, total CPU / N is the least wall time the run could take
 * there (the CPU floor bench/workers prints beside the wall time). Linux only; empty elsewhere.
 */
import { readdirSync, readFileSync } from 'node:fs';

export type CpuGroups = Record<string, number>;

// USER_HZ is 100 on every Linux this runs on (sysconf(_SC_CLK_TCK)): one tick is 10 ms.
const TICK_MS = 10;

function groupOf(pid: string, comm: string): string | undefined {
  if (Number(pid) === process.pid) return 'bench';
  if (comm.startsWith('postgres')) return 'postgres';
  if (comm.startsWith('redis-server')) return 'redis';
  if (comm === 'node' || comm.startsWith('node')) {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('\u0000worker\u0000') ? 'workers' : undefined;
  }
  return undefined;
}

/** CPU ms per group, of processes alive now (one that exited counts only as a reaped PostgreSQL backend). */
export function cpuSnapshot(): CpuGroups {
  const groups: CpuGroups = {};
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return groups;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').trim();
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const group = groupOf(pid, comm);
      if (!group) continue;
      const fields = stat.slice(close + 2).split(' ');
      // Fields 14 and 15 of stat (utime, stime), 0-based 11 and 12 after the comm; for PostgreSQL also
      // 16 and 17 (cutime, cstime): the postmaster reaps its backends, so a closed connection still counts.
      let ticks = Number(fields[11]) + Number(fields[12]);
      if (group === 'postgres') ticks += Number(fields[13]) + Number(fields[14]);
      groups[group] = (groups[group] ?? 0) + ticks * TICK_MS;
    } catch {
      // The process ended between readdir and read.
    }
  }
  return groups;
}

/** What each group spent between two snapshots, ms. */
export function cpuSince(before: CpuGroups): CpuGroups {
  const now = cpuSnapshot();
  return Object.fromEntries(Object.entries(now).map(([k, v]) => [k, Math.max(0, v - (before[k] ?? 0))]));
}
