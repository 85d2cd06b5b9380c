import type { SyncSummary } from '../sync/engine.js';
import type { WaitCounts } from './progress.js';
import { renderTable } from './table.js';

/**
 * The summary table `inlet sync` ends with (contract: kind, requests, retries, records, upserted,
 * unchanged, deleted, skipped, duration), plus the rate-budget waits per kind the CLI counted.
 */
export function formatSummary(
  summary: SyncSummary,
  waits: WaitCounts = { byKind: new Map(), total: 0 },
): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
  const rows = summary.kinds.map((k) => [
    k.kind,
    k.status,
    k.requests,
    k.retries,
    waits.byKind.get(k.kind) ?? 0,
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
      'waits',
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
    `run ${summary.runId} ${summary.status}: ${t.records} records, ${t.upserted} upserted, ${t.unchanged} unchanged, ${t.deleted} deleted, ${t.skipped} skipped; ${t.retries} retries, ${waits.total} rate-limit waits`,
    ...summary.kinds.filter((k) => k.status === 'partial').map((k) => `partial: ${k.kind} ${k.reason}`),
    ...summary.notes.map((n) => `note: ${n}`),
  ];
  return lines.join('\n');
}
