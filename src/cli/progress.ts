import { logContext } from '../http/log.js';
import type { HttpEvent } from '../http/types.js';
import type { KindSummary } from '../sync/engine.js';

export interface ProgressView {
  update(kind: KindSummary): void;
  /** A client event: retries and rate-budget waits are counted, waits per kind when the event came from a kind's work. */
  note(event: HttpEvent): void;
  /** Rate-budget waits so far, per kind and in all, for the summary table. */
  waits(): WaitCounts;
  /** Writes a log line above the live block (on a terminal), so the block is not torn by it. */
  print(text: string): void;
  stop(): void;
}

export interface WaitCounts {
  byKind: ReadonlyMap<string, number>;
  /** Includes waits made outside any kind's work. */
  total: number;
}

interface Output {
  isTTY?: boolean;
  write(text: string): unknown;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * Live progress per kind: on a terminal, a block of lines redrawn at most every 100 ms, retries and
 * waits counted per kind instead of a log line each; otherwise one plain line per kind as it
 * finishes, so logs and CI output stay readable.
 */
export function createProgress(out: Output): ProgressView {
  const kinds = new Map<string, KindSummary>();
  const waits = new Map<string, number>();
  const totals = { retries: 0, waits: 0, waitedMs: 0 };
  const started = Date.now();
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const draw = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const lines = [...kinds.values()].map(
      (k) =>
        `${k.kind.padEnd(20)} ${String(k.requests).padStart(6)} requests ${String(k.records).padStart(9)} records ` +
        `${String(k.upserted).padStart(8)} upserted ${String(k.retries).padStart(4)} retries ` +
        `${String(waits.get(k.kind) ?? 0).padStart(4)} waits  ${k.done ? k.status : 'reading…'}`,
    );
    const waited = totals.waitedMs > 0 ? ` (${(totals.waitedMs / 1000).toFixed(1)}s waiting)` : '';
    lines.push(
      `${((Date.now() - started) / 1000).toFixed(1)}s, ${plural(totals.retries, 'retry', 'retries')}, ` +
        `${plural(totals.waits, 'rate-limit wait', 'rate-limit waits')}${waited}`,
    );
    // Move up over the previous block and rewrite it in place (ECMA-48 CUU and EL).
    const up = drawn > 0 ? `\x1b[${drawn}A` : '';
    out.write(`${up}${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n`);
    drawn = lines.length;
  };
  const redrawSoon = () => {
    if (out.isTTY && !stopped) timer ??= setTimeout(draw, 100);
  };

  return {
    update(kind) {
      if (stopped) return;
      kinds.set(kind.kind, { ...kind });
      if (out.isTTY) redrawSoon();
      else if (kind.done) {
        const w = waits.get(kind.kind) ?? 0;
        const extra = [
          kind.retries > 0 ? plural(kind.retries, 'retry', 'retries') : '',
          w > 0 ? plural(w, 'rate-limit wait', 'rate-limit waits') : '',
        ].filter(Boolean);
        out.write(
          `${kind.kind}: ${kind.status}, ${kind.records} records, ${kind.upserted} upserted, ${kind.unchanged} unchanged` +
            `${extra.map((e) => `, ${e}`).join('')} in ${(kind.durationMs / 1000).toFixed(1)}s${kind.error ? ` — ${kind.error}` : ''}\n`,
        );
      }
    },
    note(event) {
      if (event.type === 'retry') totals.retries++;
      else if (event.type === 'rate-limit-wait' && event.waitMs > 0) {
        totals.waits++;
        totals.waitedMs += event.waitMs;
        // The engine runs each kind's work inside withLogContext({ kind, runId }).
        const kind = logContext()?.kind;
        if (typeof kind === 'string') waits.set(kind, (waits.get(kind) ?? 0) + 1);
      } else return;
      redrawSoon();
    },
    waits: () => ({ byKind: waits, total: totals.waits }),
    print(text) {
      if (!out.isTTY || stopped || drawn === 0) {
        out.write(text);
        return;
      }
      // Clear the block (CUU, then ED to the end of the screen), write the line, draw the block below it.
      out.write(`\x1b[${drawn}A\x1b[J${text}`);
      drawn = 0;
      draw();
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
