/**
 * A jq-wasm instance on a worker thread, so a jq program that never ends (`last(repeat(1))`) cannot
 * freeze the event loop: the caller keeps its timers and Ctrl-C, and ends a run that is too long
 * by terminating the thread (V8 interrupts wasm loops too) and starting a new one on next use.
 * Inputs and outputs cross as JSON strings: one copy each way, no structured clone of records.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** What one jq run gave: stdout/stderr/exit code, or the text of a crash (jq-wasm's `Aborted()`). */
export type JqRawResult =
  | { stdout: string; stderr: string; exitCode: number; crash?: undefined }
  | { crash: string };

/** Why a run ended without a result; map-page.ts turns each into a MappingError naming the field. */
export class JqRunTimeout extends Error {}

/**
 * The worker's code, as an ES module in a `data:` URL: the same source runs from dist/ (tsc) and
 * under vitest (TypeScript sources, which a Node 20 worker cannot load), with no file to ship.
 * jq-wasm prints `Aborted()` with console.error before throwing; the throw is reported instead.
 */
const SOURCE = `
import { parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';
console.error = () => {};
const { loadJq } = createRequire(workerData.jqWasm)(workerData.jqWasm);
const jq = await loadJq();
parentPort.on('message', ({ input, program }) => {
  let reply;
  try {
    const { stdout, stderr, exitCode } = jq.raw(input, program, ['-c']);
    reply = { stdout, stderr, exitCode };
  } catch (error) {
    reply = { crash: String((error && error.message) || error) };
  }
  parentPort.postMessage(reply);
});
parentPort.postMessage('ready');
`;
const SCRIPT = new URL(`data:text/javascript,${encodeURIComponent(SOURCE)}`);
const JQ_WASM = createRequire(import.meta.url).resolve('jq-wasm');

interface Job {
  input: string;
  program: string;
  timeout: number;
  signal: AbortSignal | undefined;
  resolve: (result: JqRawResult) => void;
  reject: (error: unknown) => void;
}

/**
 * One jq thread with a queue: runs are serial (as they were on the main thread), each bounded by
 * its own time limit counted from when it starts, not while it waits in the queue. The thread is
 * unref'd while idle, so an unclosed runner never keeps the process alive.
 * @example
 * const jq = new JqRunner();
 * await jq.run('{"d":[1]}', '.d', { timeout: 30_000 }); // { stdout: '[1]', stderr: '', exitCode: 0 }
 * await jq.close();
 */
export class JqRunner {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private readonly queue: Job[] = [];
  private current: Job | undefined;
  private closed = false;

  /** Runs `program` on the JSON text `input`; rejects with JqRunTimeout, or the signal's reason. */
  run(
    input: string,
    program: string,
    options: { timeout: number; signal?: AbortSignal },
  ): Promise<JqRawResult> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.closed) return Promise.reject(new Error('jq runner is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ input, program, timeout: options.timeout, signal, resolve, reject });
      if (!this.current) void this.next();
    });
  }

  /** Ends the thread; queued runs reject. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('jq runner is closed'));
    this.current?.reject(new Error('jq runner is closed'));
    this.current = undefined;
    await this.kill();
  }

  private async next(): Promise<void> {
    const job = this.queue.shift();
    if (!job) return;
    if (job.signal?.aborted) {
      job.reject(job.signal.reason);
      return this.next();
    }
    this.current = job;
    try {
      await this.start();
    } catch (error) {
      this.current = undefined;
      job.reject(error);
      return this.next();
    }
    if (this.current !== job) return; // closed, or aborted while the thread started
    this.dispatch(job);
  }

  /** Posts `job` to the started thread and settles it on the first of: reply, time limit, abort, exit. */
  private dispatch(job: Job): void {
    const worker = this.worker as Worker;
    if (job.signal?.aborted) {
      this.current = undefined;
      job.reject(job.signal.reason);
      void this.next();
      return;
    }
    worker.ref();
    let timer: NodeJS.Timeout | undefined;
    const settle = (fn: () => void, kill: boolean) => {
      clearTimeout(timer);
      job.signal?.removeEventListener('abort', onAbort);
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      if (this.current === job) this.current = undefined;
      if (kill) void this.kill();
      else worker.unref();
      fn();
      if (!this.current) void this.next();
    };
    const onMessage = (reply: JqRawResult) => settle(() => job.resolve(reply), reply.crash !== undefined);
    const onExit = (code: number) =>
      settle(() => job.reject(new Error(`jq worker exited with code ${code}`)), true);
    const onAbort = () => settle(() => job.reject(job.signal?.reason), true);
    worker.on('message', onMessage);
    worker.once('exit', onExit);
    job.signal?.addEventListener('abort', onAbort, { once: true });
    timer = setTimeout(() => settle(() => job.reject(new JqRunTimeout()), true), job.timeout);
    worker.postMessage({ input: job.input, program: job.program });
  }

  /** Starts the thread if none is running; resolves once jq-wasm has loaded in it. */
  private start(): Promise<void> {
    if (this.ready) return this.ready;
    const worker = new Worker(SCRIPT, { workerData: { jqWasm: JQ_WASM } });
    this.worker = worker;
    this.ready = new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => {
        this.forget(worker);
        reject(error);
      };
      worker.once('error', onError);
      worker.once('exit', (code) => {
        this.forget(worker);
        reject(new Error(`jq worker exited with code ${code} while starting`));
      });
      worker.once('message', () => {
        worker.off('error', onError);
        // After start-up an 'error' is a crash of the thread; 'exit' follows and fails the run.
        worker.on('error', () => {});
        resolve();
      });
    });
    return this.ready;
  }

  private forget(worker: Worker): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.ready = undefined;
  }

  private async kill(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.forget(worker);
    await worker.terminate();
  }
}
