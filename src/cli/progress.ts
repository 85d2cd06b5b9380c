import type { KindSummary } from '../sync/engine.js';

export interface ProgressView {
  update(kind: KindSummary): void;
  /** Counts the client reports for the whole run. */
  note(event: 'retry' | 'wait'): void;
  stop(): void;
}

interface Output {
  isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * Live progress per kind: on a terminal, a block of lines redrawn at most every 100 ms;
 * otherwise one plain line per kind as it finishes, so logs and CI output stay readable.
 */
export function createProgress(out: Output): ProgressView {
  const kinds = new Map<string, KindSummary>();
  const totals = { retry: 0, wait: 0 };
  const started = Date.now();
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const draw = () => {
    timer = undefined;
    const lines = [...kinds.values()].map(
      (k) =>
        `${k.kind.padEnd(20)} ${String(k.requests).padStart(6)} requests ${String(k.records).padStart(9)} records ` +
        `${String(k.upserted).padStart(8)} upserted  ${k.done ? k.status : 'reading…'}`,
    );
    lines.push(
      `${((Date.now() - started) / 1000).toFixed(1)}s, ${totals.retry} retries, ${totals.wait} rate-limit waits`,
    );
    // Move up over the previous block and rewrite it in place (ECMA-48 CUU and EL).
    const up = drawn > 0 ? `\x1b[${drawn}A` : '';
    out.write(`${up}${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n`);
    drawn = lines.length;
  };

  return {
    update(kind) {
      if (stopped) return;
      kinds.set(kind.kind, { ...kind });
      if (out.isTTY) timer ??= setTimeout(draw, 100);
      else if (kind.done) {
        out.write(
          `${kind.kind}: ${kind.status}, ${kind.records} records, ${kind.upserted} upserted, ${kind.unchanged} unchanged in ${(kind.durationMs / 1000).toFixed(1)}s${kind.error ? ` — ${kind.error}` : ''}\n`,
        );
      }
    },
    note(event) {
      totals[event]++;
    },
    /** Draws the final state once; later calls and updates do nothing. */
    stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      if (out.isTTY && kinds.size > 0) draw();
    },
  };
}
