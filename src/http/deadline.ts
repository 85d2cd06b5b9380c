/**
 * Whole-response deadlines (`connection.deadline`): undici's bodyTimeout bounds each gap in a body,
 * so a server trickling one byte per 300 ms never trips it (issue 8). One coarse interval per
 * transport sweeps the bodies being read, instead of a timer per request (bench/http-overhead).
 */
interface Reading {
  until: number;
  stop: (error: Error) => void;
  error: () => Error;
}

export class DeadlineSweeper {
  private readonly reading = new Set<Reading>();
  private timer: NodeJS.Timeout | undefined;
  /** Sweeps often enough to end a read within ~5% of `deadline` past it (at most every second). */
  private readonly period: number;

  constructor(readonly deadline: number) {
    this.period = Math.min(1000, Math.max(10, Math.round(deadline / 20)));
  }

  /** Calls `stop(error())` once `started + deadline` passes; the returned function cancels that. */
  watch(started: number, stop: (error: Error) => void, error: () => Error): () => void {
    const entry: Reading = { until: started + this.deadline, stop, error };
    this.reading.add(entry);
    // An interval, unref'd: it never keeps the process alive, and stops when nothing is being read.
    this.timer ??= setInterval(() => this.sweep(), this.period).unref();
    return () => this.reading.delete(entry);
  }

  private sweep(): void {
    const now = Date.now();
    for (const entry of this.reading) {
      if (now < entry.until) continue;
      this.reading.delete(entry);
      entry.stop(entry.error());
    }
    if (this.reading.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
