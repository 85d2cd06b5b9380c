import type { Command } from 'commander';
import { openCatalog, type RunRecord } from '../../catalog/index.js';
import { ConfigError } from '../../errors/errors.js';
import type { CliIo } from '../common.js';
import { renderTable } from '../table.js';

interface CatalogFlags {
  db: string;
  blueprint?: string;
  search?: string;
  integration?: string;
  format?: string;
}

/** `inlet catalog list|export|runs` (contract: the catalog). */
export function registerCatalog(program: Command, io: CliIo): void {
  const catalog = program.command('catalog').description('read the catalog');
  const common = (c: Command) =>
    c
      .option('--db <path|url>', 'catalog: a SQLite file or postgres://… URL', './inlet.db')
      .option('--integration <name>', 'only this integration');

  common(catalog.command('list'))
    .description('show entities as a table')
    .option('--blueprint <b>', 'only this blueprint')
    .option('--search <text>', 'identifier or title containing this text')
    .action(async (flags: CatalogFlags) => {
      const store = await openCatalog(flags.db, { mustExist: true });
      try {
        const rows: string[][] = [];
        for await (const e of store.exportEntities(flags))
          rows.push([e.blueprint, e.identifier, e.title ?? '', e.integration]);
        io.stdout(
          `${renderTable(['blueprint', 'identifier', 'title', 'integration'], rows)}\n${rows.length} entities\n`,
        );
      } finally {
        await store.close();
      }
    });

  common(catalog.command('export'))
    .description('one entity per line, sorted by blueprint then identifier')
    .option('--blueprint <b>', 'only this blueprint')
    .option('--format <f>', 'ndjson|json', 'ndjson')
    .action(async (flags: CatalogFlags) => {
      if (flags.format !== 'ndjson' && flags.format !== 'json') {
        throw new ConfigError(`--format: "${flags.format}" is not ndjson or json`);
      }
      const store = await openCatalog(flags.db, { mustExist: true });
      try {
        let first = true;
        if (flags.format === 'json') io.stdout('[');
        for await (const e of store.exportEntities(flags)) {
          const line = JSON.stringify({
            blueprint: e.blueprint,
            identifier: e.identifier,
            title: e.title,
            properties: e.properties,
            relations: e.relations,
          });
          io.stdout(flags.format === 'json' ? `${first ? '' : ','}\n${line}` : `${line}\n`);
          first = false;
        }
        if (flags.format === 'json') io.stdout(`${first ? '' : '\n'}]\n`);
      } finally {
        await store.close();
      }
    });

  common(catalog.command('runs'))
    .description('the sync runs with their status and counts')
    .option('--limit <n>', 'how many, newest first', '20')
    .option('--json', 'one JSON array of runs, each with its per-kind results and error code')
    .action(async (flags: CatalogFlags & { limit: string; json?: boolean }) => {
      const limit = Number(flags.limit);
      if (!Number.isSafeInteger(limit) || limit < 1) {
        throw new ConfigError(`--limit: "${flags.limit}" is not a whole number >= 1`);
      }
      const store = await openCatalog(flags.db, { mustExist: true });
      try {
        const runs = await store.listRuns(flags.integration, limit);
        if (flags.json) {
          io.stdout(`${JSON.stringify(runs, null, 2)}\n`);
          return;
        }
        const rows = runs.map((r) => [
          r.id,
          r.integration,
          r.status,
          r.startedAt,
          r.finishedAt ?? '',
          r.counts.records,
          r.counts.upserted,
          r.counts.unchanged,
          r.counts.deleted,
          runDetail(r),
        ]);
        io.stdout(
          `${renderTable(['id', 'integration', 'status', 'started', 'finished', 'records', 'upserted', 'unchanged', 'deleted', 'detail'], rows)}\n`,
        );
      } finally {
        await store.close();
      }
    });
}

/** The detail column: why kinds were partial or failed, then the run's notes. */
function runDetail(run: RunRecord): string {
  const kinds = run.kindResults
    .filter((k) => k.status === 'partial' || k.status === 'failed')
    .map(
      (k) => `${k.kind} ${k.status}${k.errorCode ? ` ${k.errorCode}` : ''}${k.reason ? `: ${k.reason}` : ''}`,
    );
  return [...kinds, run.detail ?? ''].filter(Boolean).join('; ');
}
