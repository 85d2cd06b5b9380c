import type { SyncSummary } from '../sync/engine.js';
import { renderTable } from './table.js';

/** The summary table `inlet sync` ends with (contract: kind, requests, retries, records, upserted, unchanged, deleted, skipped, duration). */
export function formatSummary(summary: SyncSummary): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
  const rows = summary.kinds.map((k) => [
    k.kind,
    k.status,
    k.requests,
    k.retries,
    k.records,
    k.upserted,
    k.unchanged,
    k.deleted,
    k.skipped,
    seconds(k.durationMs),
  ]);
  const t = summary.totals;
  const table = renderTable(
    [
      'kind',
      'status',
      'requests',
      'retries',
      'records',
      'upserted',
      'unchanged',
      'deleted',
      'skipped',
      'duration',
    ],
    rows,
  );
  const lines = [
    table,
    '',
    `run ${summary.runId} ${summary.status}: ${t.records} records, ${t.upserted} upserted, ${t.unchanged} unchanged, ${t.deleted} deleted, ${t.skipped} skipped`,
    ...summary.kinds.filter((k) => k.status === 'partial').map((k) => `partial: ${k.kind} ${k.reason}`),
    ...summary.notes.map((n) => `note: ${n}`),
  ];
  return lines.join('\n');
}
