/**
 * bench/webhooks: verified GitHub deliveries per second into the durable inbox (SQLite) and the p99
 * time to the 2xx (targets >= 3,000/s and <= 20 ms). `inlet serve github` runs as its own process
 * (the built CLI, the real applier working alongside), on loopback; the clients are keep-alive
 * undici Pool connections in this process sending real pull_request payloads signed as GitHub
 * signs them, each with its own delivery id. A benchmark, not a test.
 *
 * Run: npm run bench:webhooks   (options: --deliveries N, default 20000; --connections N, default 32)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { openCatalog } from '../src/catalog/index.js';
import { githubExamples, signDelivery } from '../src/webhooks/github-deliveries.js';

const { values } = parseArgs({
  options: {
    deliveries: { type: 'string', default: '20000' },
    connections: { type: 'string', default: '32' },
  },
});
const total = Number(values.deliveries);
const connections = Number(values.connections);
const WARMUP = 1000;
const SECRET = 'bench-webhook-secret';
const here = dirname(fileURLToPath(import.meta.url));
// dist/bench → the repository root.
const root = join(here, '..', '..');

const dir = mkdtempSync(join(tmpdir(), 'inlet-bench-webhooks-'));
const db = join(dir, 'inlet.db');
const args = [
  join(root, 'dist/src/cli/main.js'),
  '--log-level',
  'silent',
  'serve',
  join(root, 'integrations/github'),
];
args.push('--port', '0', '--db', db, '--set', 'orgs=acme', '--set', `webhookSecret=${SECRET}`);
args.push('--set', 'baseUrl=http://127.0.0.1:9');
const child = spawn(
  process.execPath,
  [
    ...(process.env.INLET_BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.INLET_BENCH_PROF] : []),
    ...args,
  ],
  { stdio: ['ignore', 'ignore', 'pipe'] },
);
const url = await new Promise<string>((resolve, reject) => {
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    const found = /listening on (http:\/\/\S+),/.exec(stderr);
    if (found?.[1]) resolve(found[1]);
  });
  child.once('exit', () => reject(new Error(`inlet serve exited: ${stderr}`)));
});

const examples = githubExamples(['pull_request']);
const deliveries = Array.from({ length: WARMUP + total }, (_, i) => {
  const example = examples[i % examples.length] as { payload: { pull_request: Record<string, unknown> } };
  const payload = structuredClone(example.payload);
  payload.pull_request.id = 5_000_000 + i;
  return signDelivery('pull_request', payload, SECRET, `bench-${i}`);
});
const bytes = deliveries.reduce((sum, d) => sum + d.body.length, 0) / deliveries.length;

const pool = new Pool(url, { connections, pipelining: 1 });
async function send(from: number, to: number, latencies: number[]): Promise<number> {
  let next = from;
  let failed = 0;
  const worker = async () => {
    while (next < to) {
      const delivery = deliveries[next++] as (typeof deliveries)[number];
      const started = performance.now();
      const res = await pool.request({
        path: '/webhooks/github',
        method: 'POST',
        headers: delivery.headers,
        body: delivery.body,
      });
      await res.body.dump();
      latencies.push(performance.now() - started);
      if (res.statusCode !== 202) failed++;
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  return failed;
}

/**
 * The serve child's CPU time so far (user + system), in ms, from /proc (Linux; 0 elsewhere): the
 * whole process, or its main thread (the event loop) alone.
 */
function childCpuMs(mainThread = false): number {
  try {
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    const file = mainThread ? `/proc/${child.pid}/task/${child.pid}/stat` : `/proc/${child.pid}/stat`;
    const stat = readFileSync(file, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
// USER_HZ: 100 on Linux for every architecture node runs on.
const CLOCK_TICKS = 100;

await send(0, WARMUP, []);
const latencies: number[] = [];
const started = performance.now();
const serverCpuBefore = childCpuMs();
const mainCpuBefore = childCpuMs(true);
const clientCpuBefore = process.cpuUsage();
const failed = await send(WARMUP, WARMUP + total, latencies);
const seconds = (performance.now() - started) / 1000;
const clientCpu = process.cpuUsage(clientCpuBefore);
const serverCpuMs = childCpuMs() - serverCpuBefore;
const mainCpuMs = childCpuMs(true) - mainCpuBefore;
await pool.close();

// The applier may still have a backlog: wait until it is drained (bounded), so the CPU figure for
// receive + apply counts all the work the burst caused, not only what happened during it.
const store = await openCatalog(db);
const drainStarted = performance.now();
let { pending, dead } = await store.inboxCounts('github');
while (pending > 0 && performance.now() - drainStarted < 300_000) {
  await new Promise((resolve) => setTimeout(resolve, 50));
  ({ pending, dead } = await store.inboxCounts('github'));
}
const drainSeconds = (performance.now() - drainStarted) / 1000;
const totalCpuMs = childCpuMs() - serverCpuBefore;
child.kill('SIGTERM');
await new Promise((resolve) => child.once('exit', resolve));

const stored = (await store.listDeliveries('github', { limit: (WARMUP + total) * 2 })).length;
await store.close();
rmSync(dir, { recursive: true, force: true });

latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
const rate = Math.round(total / seconds);
console.log(
  `deliveries : ${total.toLocaleString('en')} pull_request deliveries of ~${Math.round(bytes).toLocaleString('en')} B, ${connections} keep-alive connections`,
);
console.log(
  `throughput : ${total.toLocaleString('en')} in ${seconds.toFixed(2)} s = ${rate.toLocaleString('en')}/s (target >= 3,000/s)`,
);
console.log(
  `time to 2xx: p50 ${pct(0.5).toFixed(2)} ms, p99 ${pct(0.99).toFixed(2)} ms, max ${(latencies.at(-1) ?? 0).toFixed(2)} ms (target p99 <= 20 ms)`,
);
console.log(
  `server CPU : ${(serverCpuMs / total).toFixed(3)} ms/delivery (${(serverCpuMs / 1000).toFixed(2)} s in ${seconds.toFixed(2)} s; event loop thread ${(mainCpuMs / total).toFixed(3)} ms/delivery); client ${((clientCpu.user + clientCpu.system) / 1000 / total).toFixed(3)} ms/delivery`,
);
console.log(
  `applied    : inbox drained ${drainSeconds.toFixed(2)} s after the last 2xx${pending > 0 ? ` (${pending} still pending)` : ''}, ${dead} dead; server CPU receive + apply ${(totalCpuMs / total).toFixed(3)} ms/delivery`,
);
console.log(
  `inbox rows : ${stored.toLocaleString('en')} of ${(WARMUP + total).toLocaleString('en')} sent, ${failed} not 202 ${stored === WARMUP + total && failed === 0 ? 'OK' : 'MISMATCH'}`,
);
