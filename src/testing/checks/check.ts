/** What every `inlet test` check works from and reports (docs/testing.md, "inlet test"). */
import type { SyncSummary } from '../../sync/engine.js';
import type { ExportedEntity } from '../expected.js';
import type { UnmatchedRequest } from '../replay-server.js';

/** One check's verdict, by its contract name. */
export interface CheckResult {
  check: string;
  passed: boolean;
  reason: string;
}

/** One replayed sync: its summary (or the error that ended it), warnings, unmatched requests, and the export after it. */
export interface ReplayRun {
  summary?: SyncSummary;
  error?: string;
  warnings: string[];
  unmatched: UnmatchedRequest[];
  entities: ExportedEntity[];
}

export const pass = (check: string, reason: string): CheckResult => ({ check, passed: true, reason });
export const fail = (check: string, reason: string): CheckResult => ({ check, passed: false, reason });

/** Why a replayed sync did not go cleanly, most telling first; empty when it did. */
export function problemsOf(run: ReplayRun): string[] {
  const out: string[] = [];
  if (run.error) out.push(run.error);
  for (const u of run.unmatched.slice(0, 3)) out.push(u.message);
  if (run.unmatched.length > 3) out.push(`and ${run.unmatched.length - 3} more unmatched requests`);
  for (const k of run.summary?.kinds ?? []) {
    if (k.status === 'failed' && k.error) out.push(k.error);
    // A configured cap (maxItems, maxItemsPerChain) cut the recording the same way; a loop or maxPages did not.
    else if (k.status === 'partial' && !/\bmaxItems(PerChain)? \(/.test(k.reason ?? '')) {
      out.push(`kind ${k.kind} partial: ${k.reason ?? 'read incompletely'}`);
    }
  }
  return out;
}

/** `a; b; c` cut to a readable length. */
export const joined = (parts: readonly string[], max = 5) =>
  parts.slice(0, max).join('; ') + (parts.length > max ? `; … (${parts.length - max} more)` : '');
