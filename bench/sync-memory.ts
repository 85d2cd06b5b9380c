/**
 * bench/sync-memory: `syncIntegration` of N records (default 1,000,000) from a loopback API into a SQLite
 * catalog, with the process's peak RSS (target < 300 MB, flat in N). A benchmark, not a test.
 *
 * The API runs in a child process (this file with --serve-api), so the RSS measured is the sync's alone; it
 * derives each page from the cursor and never holds the record list. The mapping is jq (one non-path field),
 * the slow path a real Ocean mapping takes.
 *
 * Run: npm run build && node dist/bench/sync-memory.js   (options: --records N --page N)
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { type CatalogStore, openCatalog } from '../src/catalog/index.js';
import { syncIntegration } from '../src/sync/sync-integration.js';
import { serveGeneratorApi } from './sync-memory/api.js';

const TARGET_MB = 300;
const SAMPLE_MS = 100;

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    page: { type: 'string', default: '500' },
    'serve-api': { type: 'boolean', default: false },
  },
});
const total = Number(values.records);
const pageSize = Number(values.page);

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

/** The kernel's high-water mark of this process's RSS (Linux), which catches peaks between samples. */
function vmHwmBytes(): number | undefined {
  try {
    const line = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return line?.[1] === undefined ? undefined : Number(line[1]) * 1024;
  } catch {
    return undefined;
  }
}

function startApi(): Promise<{ port: number; stop(): void }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve-api', '--records', String(total)], {
    stdio: 'inherit',
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`generator API exited (${code})`)));
    child.once('message', (message) => {
      const { port } = message as { port: number };
      resolve({ port, stop: () => child.kill() });
    });
  });
}

// Mostly plain paths; `topics` is a pipe the JS fast path does not take, so every page goes through jq-wasm.
const manifest = (port: number) => `name: bench-sync
connection:
  baseUrl: http://127.0.0.1:${port}
resources:
  service:
    request:
      path: /services
      query:
        limit: ${pageSize}
    records: .items
    paginate:
      type: cursor
      param: after
      path: .next
      maxPages: ${Math.ceil(total / pageSize) + 1}
mapping:
  resources:
    - kind: service
      port:
        entity:
          mappings:
            identifier: .slug
            title: .name
            blueprint: '"service"'
            properties:
              language: .language
              stars: .stars
              archived: .archived
              owner: .owner.login
              url: .html_url
              topics: '.topics | join(",")'
`;

async function bench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'inlet-sync-memory-'));
  const dbPath = join(dir, 'catalog.db');
  const api = await startApi();
  writeFileSync(join(dir, 'inlet.yaml'), manifest(api.port));

  const catalog = await openCatalog(dbPath);
  let storeMs = 0;
  // Time spent in catalog writes, to tell the catalog from HTTP + mapping in the duration.
  const store: CatalogStore = {
    ...catalog,
    async upsertBatch(integration, runId, entities) {
      const t = performance.now();
      const result = await catalog.upsertBatch(integration, runId, entities);
      storeMs += performance.now() - t;
      return result;
    },
  };

  const baseline = process.memoryUsage();
  let peak = baseline;
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    if (now.rss > peak.rss) peak = now;
  }, SAMPLE_MS);
  // RSS at each tenth of the records: flat means memory does not grow with N.
  const checkpoints: string[] = [];
  let nextCheckpoint = total / 10;

  const started = performance.now();
  try {
    const summary = await syncIntegration(dir, {
      db: store,
      onWarning: (message) => console.warn(`warning: ${message}`),
      onEvent: (event) => {
        if (event.type === 'warning') console.warn(`warning: ${event.message}`);
      },
      onProgress: (kind) => {
        if (kind.records < nextCheckpoint) return;
        nextCheckpoint += total / 10;
        const at = ((performance.now() - started) / 1000).toFixed(0);
        checkpoints.push(
          `${Math.round((kind.records / total) * 100)}%:${mb(process.memoryUsage().rss)}@${at}s`,
        );
      },
    });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const hwm = vmHwmBytes();
    const trueRss = Math.max(peak.rss, hwm ?? 0);

    const db = new Database(dbPath, { readonly: true });
    const rows = (db.prepare('SELECT count(*) AS n FROM entities').get() as { n: number }).n;
    db.close();

    const n = (x: number) => x.toLocaleString('en');
    const { totals } = summary;
    console.log(
      `status         ${summary.status}${summary.notes.length ? ` (${summary.notes.join('; ')})` : ''}`,
    );
    console.log(
      `records        ${n(totals.records)} in pages of ${pageSize} (upserted ${n(totals.upserted)})`,
    );
    console.log(
      `requests       ${n(totals.requests)} counted (${n(Math.ceil(total / pageSize))} pages served)`,
    );
    console.log(
      `duration       ${seconds.toFixed(1)} s = ${n(Math.round(totals.records / seconds))} records/s ` +
        `(catalog writes ${(storeMs / 1000).toFixed(1)} s)`,
    );
    console.log(`baseline RSS   ${mb(baseline.rss)} MB before the sync`);
    console.log(
      `peak RSS       ${mb(trueRss)} MB (sampled ${mb(peak.rss)}, VmHWM ${hwm === undefined ? 'n/a' : mb(hwm)}) ` +
        `vs target ${TARGET_MB} MB: ${trueRss < TARGET_MB * 1024 * 1024 ? 'OK' : 'OVER'}`,
    );
    console.log(
      `  at peak      heap used ${mb(peak.heapUsed)} / total ${mb(peak.heapTotal)}, external ${mb(peak.external)}, ` +
        `arrayBuffers ${mb(peak.arrayBuffers)} MB`,
    );
    console.log(`RSS by progress ${checkpoints.join(' ')} (MB@elapsed)`);
    console.log(`catalog rows   ${n(rows)} ${rows === total ? 'OK' : `MISMATCH (expected ${n(total)})`}`);
    if (rows !== total || summary.status !== 'succeeded') process.exitCode = 1;
  } finally {
    clearInterval(sampler);
    await catalog.close();
    api.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Last, so the constants above are initialised when it runs.
if (values['serve-api']) {
  const port = await serveGeneratorApi(total);
  process.send?.({ port });
} else {
  await bench();
}
