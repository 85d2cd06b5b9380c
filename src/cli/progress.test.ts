import { describe, expect, it } from 'vitest';
import type { KindSummary } from '../sync/engine.js';
import { createProgress } from './progress.js';

const kind = (over: Partial<KindSummary>): KindSummary => ({
  kind: 'repository',
  status: 'succeeded',
  done: false,
  durationMs: 0,
  requests: 0,
  retries: 0,
  records: 0,
  upserted: 0,
  unchanged: 0,
  deleted: 0,
  skipped: 0,
  ...over,
});

describe('progress display', () => {
  it('without a terminal, writes one plain line per kind when it finishes', () => {
    const lines: string[] = [];
    const progress = createProgress({ isTTY: false, write: (t) => lines.push(t) });
    progress.update(kind({ records: 10 }));
    progress.update(kind({ kind: 'pull-request', status: 'failed', done: true, error: 'E_AUTH …: 401' }));
    progress.update(kind({ records: 40, upserted: 40, done: true, durationMs: 1500 }));
    progress.stop();
    expect(lines).toEqual([
      'pull-request: failed, 0 records, 0 upserted, 0 unchanged in 0.0s — E_AUTH …: 401\n',
      'repository: succeeded, 40 records, 40 upserted, 0 unchanged in 1.5s\n',
    ]);
  });

  it('on a terminal, redraws the block in place and draws the final state exactly once', () => {
    const writes: string[] = [];
    const progress = createProgress({ isTTY: true, write: (t) => writes.push(t) });
    progress.update(kind({ requests: 3, records: 30 }));
    progress.stop();
    progress.stop();
    progress.update(kind({ requests: 9 }));
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/repository +3 requests +30 records .*reading…/);
    expect(writes[0]).toMatch(/\d+\.\ds, 0 retries, 0 rate-limit waits/);
  });
});
