/**
 * bench/sync-memory: `syncIntegration` from a loopback API into a SQLite catalog, with the process's peak
 * RSS, in two cases. A benchmark, not a test.
 * - leaf: N services (default 1,000,000, ~450 B each), one kind; target < 300 MB, flat in N.
 * - parent: N repositories (default 150,000, ~2 KB each) read once and shared by their own kind and a
 *   child kind (pull requests, one request per repository, 0-1 record each); target <= 250 MB. This is
 *   the case where a parent kind's pages are shared between consumers, so it shows whether sharing
 *   keeps every page (memory grows with N) or holds a bounded window.
 *
 * Each case runs in its own process (VmHWM is per process), and the API in another (this file with
 * --serve-api), so the RSS measured is the sync's alone; the API derives each page from the cursor and
 * never holds the record list. The mappings are jq (one non-path field), the slow path a real Ocean
 * mapping takes.
 *
 * Run: npm run bench:sync-memory   (options: --case leaf|parent|both --records N --page N --parents N
 *      --parent-page N)
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

const SAMPLE_MS = 100;

const { values } = parseArgs({
  options: {
    case: { type: 'string', default: 'both' },
    records: { type: 'string', default: '1000000' },
    page: { type: 'string', default: '500' },
    parents: { type: 'string', default: '150000' },
    'parent-page': { type: 'string', default: '100' },
    // Internal: run one case in this process, or serve the API for `--records` records.
    'run-case': { type: 'string' },
    'serve-api': { type: 'boolean', default: false },
  },
});

interface Case {
  name: 'leaf' | 'parent';
  /** Records of the kind that drives the case (services, or repositories). */
  total: number;
  pageSize: number;
  targetMb: number;
  /** The kind whose progress marks the checkpoints. */
  kind: string;
  /** Catalog rows a complete run leaves. */
  rows: number;
  /** Requests a complete run makes. */
  requests: number;
  manifest(port: number): string;
}

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

function startApi(total: number): Promise<{ port: number; stop(): void }> {
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

const cursorPaging = (total: number, pageSize: number) => `    records: .items
    paginate:
      type: cursor
      param: after
      path: .next
      maxPages: ${Math.ceil(total / pageSize) + 1}`;

// Mostly plain paths; `topics` is a pipe the JS fast path does not take, so every page goes through jq-wasm.
function leafCase(total: number, pageSize: number): Case {
  return {
    name: 'leaf',
    total,
    pageSize,
    targetMb: 300,
    kind: 'service',
    rows: total,
    requests: Math.ceil(total / pageSize),
    manifest: (port) => `name: bench-sync
connection:
  baseUrl: http://127.0.0.1:${port}
resources:
  service:
    request:
      path: /services
      query:
        limit: ${pageSize}
${cursorPaging(total, pageSize)}
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
`,
  };
}

// Repositories feed their own mapping and the pull-request chains: the engine reads them once and shares the
// pages. Pull requests map by plain paths only (the JS fast path), so 150,000 one-record pages stay cheap.
function parentCase(total: number, pageSize: number): Case {
  const pullRequests = Math.ceil(total / 2);
  return {
    name: 'parent',
    total,
    pageSize,
    targetMb: 250,
    kind: 'repository',
    rows: total + pullRequests,
    requests: Math.ceil(total / pageSize) + total,
    manifest: (port) => `name: bench-sync-parent
connection:
  baseUrl: http://127.0.0.1:${port}
resources:
  repository:
    request:
      path: /repos
      query:
        limit: ${pageSize}
${cursorPaging(total, pageSize)}
  pull-request:
    parent: repository
    request:
      path: "/repos/{parent.id}/pulls"
    records: .items
    paginate:
      type: none
mapping:
  resources:
    - kind: repository
      port:
        entity:
          mappings:
            identifier: .full_name
            title: .name
            blueprint: '"repository"'
            properties:
              language: .language
              stars: .stargazers_count
              archived: .archived
              owner: .owner.login
              url: .html_url
              topics: '.topics | join(",")'
    - kind: pull-request
      port:
        entity:
          mappings:
            identifier: .node_id
            title: .title
            blueprint: '"pull-request"'
            properties:
              state: .state
            relations:
              repository: $parent.full_name
`,
  };
}

async function bench(c: Case): Promise<void> {
  const { total, pageSize } = c;
  const dir = mkdtempSync(join(tmpdir(), 'inlet-sync-memory-'));
  const dbPath = join(dir, 'catalog.db');
  const api = await startApi(total);
  writeFileSync(join(dir, 'inlet.yaml'), c.manifest(api.port));

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
        if (kind.kind !== c.kind || kind.records < nextCheckpoint) return;
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
    console.log(`case           ${c.name}: ${n(total)} ${c.kind} records`);
    console.log(
      `status         ${summary.status}${summary.notes.length ? ` (${summary.notes.join('; ')})` : ''}`,
    );
    console.log(
      `records        ${n(totals.records)} in pages of ${pageSize} (upserted ${n(totals.upserted)})`,
    );
    console.log(`requests       ${n(totals.requests)} counted (${n(c.requests)} expected)`);
    console.log(
      `duration       ${seconds.toFixed(1)} s = ${n(Math.round(totals.records / seconds))} records/s ` +
        `(catalog writes ${(storeMs / 1000).toFixed(1)} s)`,
    );
    console.log(`baseline RSS   ${mb(baseline.rss)} MB before the sync`);
    console.log(
      `peak RSS       ${mb(trueRss)} MB (sampled ${mb(peak.rss)}, VmHWM ${hwm === undefined ? 'n/a' : mb(hwm)}) ` +
        `vs target ${c.targetMb} MB: ${trueRss <= c.targetMb * 1024 * 1024 ? 'OK' : 'OVER'}`,
    );
    console.log(
      `  at peak      heap used ${mb(peak.heapUsed)} / total ${mb(peak.heapTotal)}, external ${mb(peak.external)}, ` +
        `arrayBuffers ${mb(peak.arrayBuffers)} MB`,
    );
    console.log(`RSS by progress ${checkpoints.join(' ')} (MB@elapsed)`);
    console.log(`catalog rows   ${n(rows)} ${rows === c.rows ? 'OK' : `MISMATCH (expected ${n(c.rows)})`}`);
    if (rows !== c.rows || summary.status !== 'succeeded') process.exitCode = 1;
  } finally {
    clearInterval(sampler);
    await catalog.close();
    api.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const cases: Record<Case['name'], () => Case> = {
  leaf: () => leafCase(Number(values.records), Number(values.page)),
  parent: () => parentCase(Number(values.parents), Number(values['parent-page'])),
};

/** Runs one case in a fresh process, so its VmHWM is its own; resolves to its exit code. */
function runCaseProcess(name: string): Promise<number> {
  const args = ['records', 'page', 'parents', 'parent-page'].flatMap((key) => [
    `--${key}`,
    String(values[key as keyof typeof values]),
  ]);
  const child = fork(fileURLToPath(import.meta.url), [...args, '--run-case', name], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

// Last, so the constants above are initialised when it runs.
if (values['serve-api']) {
  const port = await serveGeneratorApi(Number(values.records));
  process.send?.({ port });
} else if (values['run-case'] !== undefined) {
  const make = cases[values['run-case'] as Case['name']];
  if (!make) throw new Error(`--run-case: unknown case ${values['run-case']}`);
  await bench(make());
} else {
  const names = values.case === 'both' ? ['leaf', 'parent'] : [values.case];
  for (const name of names) {
    if (!(name in cases)) {
      console.error(`--case: expected leaf, parent or both, got ${name}`);
      process.exit(2);
    }
    if (names.length > 1) console.log(`--- ${name}`);
    if ((await runCaseProcess(name)) !== 0) process.exitCode = 1;
  }
}
