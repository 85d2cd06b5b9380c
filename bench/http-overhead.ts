/**
 * bench/http-overhead: requests per second of `createClient().get` against raw
 * `undici.request` on the same loopback server, in one process, printed as a ratio.
 * Target: >= 0.85 of raw undici. A benchmark, not a test: these machines are shared.
 *
 * Run: npm run bench:http-overhead   (options: --requests N --concurrency N --rounds N)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { createClient } from '../src/index.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '9' },
  },
});
const total = Number(values.requests);
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);

// A typical API page: 30 small records, ~3 KB of JSON.
const page = JSON.stringify(
  Array.from({ length: 30 }, (_, i) => ({
    id: i,
    name: `item-${i}`,
    updated_at: '2026-01-01T00:00:00Z',
    ok: true,
  })),
);
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'x-ratelimit-remaining': '4999' });
  res.end(page);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** CPU microseconds per request of the last `run` (client and server share this process). */
let lastCpuPerRequest = 0;

async function run(one: () => Promise<unknown>): Promise<number> {
  let left = total;
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left-- > 0) await one();
    }),
  );
  const used = process.cpuUsage(cpu);
  lastCpuPerRequest = (used.user + used.system) / total;
  return total / ((performance.now() - started) / 1000);
}

const agent = new Agent({ connections: concurrency * 2 });
// The same request on the wire as the client's (GitHub, for one, rejects requests without a user-agent),
// so the ratio measures the client's own cost, not a header.
const raw = () =>
  request(`${base}/items`, {
    dispatcher: agent,
    headers: { 'user-agent': 'inlet', accept: 'application/json' },
  }).then((r) => r.body.json());
const client = createClient({
  baseUrl: base,
  concurrency,
  dispatcher: new Agent({ connections: concurrency * 2 }),
});
const viaClient = () => client.get('/items');

// Warm both paths (JIT, connection pools), then interleave rounds so drift hits both alike.
await run(raw);
await run(viaClient);
// Each round times raw then client back to back; the median of those paired ratios cancels the
// machine's drift between rounds (these machines are shared and noisy).
const rawRates: number[] = [];
const clientRates: number[] = [];
const ratios: number[] = [];
const cpuRatios: number[] = [];
for (let i = 0; i < rounds; i++) {
  // Alternate which goes first so warm-up and drift do not favour one side.
  const order = i % 2 === 0 ? ['raw', 'client'] : ['client', 'raw'];
  const rate: Record<string, number> = {};
  const cpu: Record<string, number> = {};
  for (const side of order) {
    rate[side] = await run(side === 'raw' ? raw : viaClient);
    cpu[side] = lastCpuPerRequest;
  }
  rawRates.push(rate.raw!);
  clientRates.push(rate.client!);
  ratios.push(rate.client! / rate.raw!);
  cpuRatios.push(cpu.raw! / cpu.client!);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `raw undici.request : ${median(rawRates).toFixed(0)} req/s (median of ${rounds} rounds of ${total})`,
);
console.log(`createClient().get : ${median(clientRates).toFixed(0)} req/s`);
console.log(
  `cpu ratio          : ${median(cpuRatios).toFixed(3)} (raw CPU per request / client CPU per request; steadier on a shared machine)`,
);
console.log(`ratio              : ${median(ratios).toFixed(3)} (median of paired rounds; target >= 0.85)`);

await client.close();
await agent.close();
server.close();
