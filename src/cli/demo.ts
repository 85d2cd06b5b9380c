import { join } from 'node:path';
import { github } from '../../integrations/github/index.js';
import { builtInDir } from '../../integrations/registry.js';
import { openCatalog } from '../catalog/index.js';
import { createLogger } from '../http/log.js';
import { syncIntegration } from '../sync/sync-integration.js';
import { createProgress } from './progress.js';
import { formatSummary } from './summary.js';
import { renderTable } from './table.js';

export interface DemoOptions {
  /** @default './inlet-demo.db' */
  db: string;
  /** Share of simulator responses faulted (5xx, resets, GitHub rate limits). */
  faultRate: number;
  logLevel: string;
  logFormat?: 'json' | 'pretty';
  out: (text: string) => void;
  err: (text: string) => void;
  isTTY?: boolean;
}

/**
 * `inlet demo` (and `npm start`): the whole path offline. The GitHub simulator runs on loopback,
 * faulting a share of its responses; the built-in github integration syncs it into a SQLite
 * catalog with the live progress display; then the summary and a sample of entities.
 */
export async function runDemo(options: DemoOptions): Promise<boolean> {
  const simulator = await github.startSimulator({
    seed: 7,
    faults:
      options.faultRate > 0
        ? { rate: options.faultRate, seed: 7, kinds: ['502', '503', 'reset', '429'], retryAfterSeconds: 1 }
        : undefined,
  });
  const progress = createProgress({ isTTY: options.isTTY, write: options.err });
  try {
    options.out(
      `GitHub simulator on ${simulator.url} (${Math.round(options.faultRate * 100)}% of responses faulted)\n`,
    );
    options.out(
      `inlet sync github ${simulator.settings.map((s) => `--set ${s.replace(/token=.*/, 'token=***')}`).join(' ')} --db ${options.db}\n\n`,
    );
    const summary = await syncIntegration(builtInDir('github')!, {
      set: simulator.settings,
      db: options.db,
      logger: createLogger({
        level: options.logLevel,
        format: options.logFormat,
        // On a terminal, log lines go above the live progress block instead of tearing it.
        ...(options.isTTY && {
          destination: { write: (line: string) => progress.print(line) },
          colorize: true,
        }),
      }),
      onProgress: (kind) => progress.update(kind),
      onEvent: (event) => progress.note(event),
    });
    progress.stop();
    options.out(`\n${formatSummary(summary, progress.waits())}\n\n`);
    options.out(`${await sample(options.db)}\n`);
    options.out(`\nCatalog: ${join(process.cwd(), options.db)}  (inlet catalog list --db ${options.db})\n`);
    return summary.status === 'succeeded';
  } finally {
    progress.stop();
    await simulator.close();
  }
}

/** Two entities of each blueprint, with their relations. */
async function sample(db: string): Promise<string> {
  const store = await openCatalog(db);
  try {
    const shown = new Map<string, number>();
    const rows: string[][] = [];
    for await (const e of store.exportEntities({ integration: 'github' })) {
      const n = shown.get(e.blueprint) ?? 0;
      if (n >= 2) continue;
      shown.set(e.blueprint, n + 1);
      const relations = Object.entries(e.relations)
        .map(([k, v]) => `${k} → ${String(v)}`)
        .join(', ');
      rows.push([e.blueprint, e.identifier, e.title ?? '', relations]);
    }
    return renderTable(['blueprint', 'identifier', 'title', 'relations'], rows);
  } finally {
    await store.close();
  }
}
