import { describe, expect, it, vi } from 'vitest';
import { withLogContext } from '../http/log.js';
import type { HttpEvent } from '../http/types.js';
import type { KindSummary } from '../sync/engine.js';
import { createProgress } from './progress.js';
import { formatSummary } from './summary.js';

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

const wait = (waitMs: number): HttpEvent => ({
  type: 'rate-limit-wait',
  origin: 'http://x',
  waitMs,
  reason: 'r',
});
const retry: HttpEvent = {
  type: 'retry',
  method: 'GET',
  url: new URL('http://x/'),
  attempt: 1,
  delayMs: 5,
  reason: '503',
};

describe('progress display', () => {
  it('without a terminal, writes one plain line per kind when it finishes, with its retries and waits', () => {
    const lines: string[] = [];
    const progress = createProgress({ isTTY: false, write: (t) => lines.push(t) });
    progress.update(kind({ records: 10 }));
    progress.update(kind({ kind: 'pull-request', status: 'failed', done: true, error: 'E_AUTH …: 401' }));
    withLogContext({ kind: 'repository', runId: 1 }, () => {
      progress.note(wait(1000));
      progress.note(wait(0)); // a zero wait is no wait
    });
    progress.update(kind({ records: 40, upserted: 40, retries: 2, done: true, durationMs: 1500 }));
    progress.stop();
    expect(lines).toEqual([
      'pull-request: failed, 0 records, 0 upserted, 0 unchanged in 0.0s — E_AUTH …: 401\n',
      'repository: succeeded, 40 records, 40 upserted, 0 unchanged, 2 retries, 1 rate-limit wait in 1.5s\n',
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

  it('on a terminal, counts retries and waits per kind instead of a log line each', () => {
    const writes: string[] = [];
    const progress = createProgress({ isTTY: true, write: (t) => writes.push(t) });
    progress.update(kind({ kind: 'repository', retries: 3 }));
    progress.update(kind({ kind: 'pull-request', retries: 1 }));
    withLogContext({ kind: 'pull-request', runId: 4 }, () => {
      progress.note(wait(1500));
      progress.note(wait(500));
      progress.note(retry);
    });
    progress.note(wait(1000)); // outside any kind: in the total only
    progress.stop();
    const block = writes.join('');
    expect(block).toMatch(/repository .* 3 retries +0 waits/);
    expect(block).toMatch(/pull-request .* 1 retries +2 waits/);
    expect(block).toMatch(/, 1 retry, 3 rate-limit waits \(3\.0s waiting\)/);
    expect(progress.waits()).toEqual({ byKind: new Map([['pull-request', 2]]), total: 3 });
  });

  it('on a terminal, prints a log line above the block and draws the block again below it', () => {
    vi.useFakeTimers();
    try {
      const writes: string[] = [];
      const progress = createProgress({ isTTY: true, write: (t) => writes.push(t) });
      progress.print('before any block\n');
      progress.update(kind({ requests: 2 }));
      vi.advanceTimersByTime(100);
      expect(writes).toHaveLength(2);
      progress.print('WARN a warning\n');
      progress.stop();
      expect(writes[0]).toBe('before any block\n');
      // Up over the 2 drawn lines, clear to the end of the screen, the line, then the block again.
      const after = writes.slice(2).join('');
      expect(after.startsWith('\x1b[2A\x1b[JWARN a warning\n\x1b[2Krepository ')).toBe(true);
      expect(after).toMatch(/WARN a warning\n.*repository +2 requests/);
      expect(writes.join('').match(/WARN a warning/g)).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('summary table', () => {
  it('has a waits column per kind beside retries, and the run totals', () => {
    const text = formatSummary(
      {
        runId: 9,
        status: 'succeeded',
        kinds: [kind({ retries: 2, done: true }), kind({ kind: 'pull-request', done: true })],
        totals: { requests: 0, retries: 2, records: 0, upserted: 0, unchanged: 0, deleted: 0, skipped: 0 },
        notes: [],
      },
      { byKind: new Map([['pull-request', 5]]), total: 6 },
    );
    const [header, , repository, pulls] = text.split('\n');
    expect(header).toMatch(/^kind +status +requests +retries +waits +records/);
    expect(repository).toMatch(/^repository +succeeded +0 +2 +0 +0/);
    expect(pulls).toMatch(/^pull-request +succeeded +0 +0 +5 +0/);
    expect(text).toMatch(/run 9 succeeded: .*; 2 retries, 6 rate-limit waits$/m);
  });
});
