/**
 * bench/catalog: SQLite catalog throughput — inserts per second in batches of 1,000 (target >= 100,000/s)
 * and the time of an unchanged resync of the same entities (target <= 2 s). A benchmark, not a test.
 *
 * Run: npm run build && node dist/bench/catalog.js   (options: --entities N --batch N)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Entity, openCatalog } from '../src/catalog/index.js';

const { values } = parseArgs({
  options: { entities: { type: 'string', default: '100000' }, batch: { type: 'string', default: '1000' } },
});
const total = Number(values.entities);
const batchSize = Number(values.batch);

// A typical mapped entity: a handful of scalar properties and one relation, ~300 bytes of JSON.
const entities: Entity[] = Array.from({ length: total }, (_, i) => ({
  blueprint: 'service',
  identifier: `svc-${i}`,
  title: `Service ${i}`,
  properties: {
    language: 'typescript',
    stars: i % 997,
    archived: i % 13 === 0,
    topics: ['api', `t${i % 7}`],
  },
  relations: { owner: `team-${i % 50}` },
}));

const dir = mkdtempSync(join(tmpdir(), 'inlet-bench-'));
const catalog = await openCatalog(join(dir, 'bench.db'));

async function sync(label: string): Promise<void> {
  const start = await catalog.startRun('bench', ['services'], {
    holder: { pid: process.pid, host: hostname() },
  });
  if (!start.ok) throw new Error(`catalog busy: run ${start.lease.runId} holds the lease`);
  const run = start.runId;
  let upserted = 0;
  let unchanged = 0;
  const started = performance.now();
  for (let i = 0; i < total; i += batchSize) {
    const result = await catalog.upsertBatch('bench', run, entities.slice(i, i + batchSize));
    upserted += result.upserted;
    unchanged += result.unchanged;
  }
  const seconds = (performance.now() - started) / 1000;
  await catalog.finishRun(run, {
    status: 'succeeded',
    counts: { requests: 0, retries: 0, records: total, upserted, unchanged, deleted: 0, skipped: 0 },
  });
  const rate = Math.round(total / seconds).toLocaleString('en');
  console.log(
    `${label}: ${total.toLocaleString('en')} entities in ${seconds.toFixed(2)} s = ${rate}/s ` +
      `(upserted ${upserted}, unchanged ${unchanged})`,
  );
}

try {
  await sync('insert      ');
  await sync('resync (same)');
} finally {
  await catalog.close();
  rmSync(dir, { recursive: true, force: true });
}
