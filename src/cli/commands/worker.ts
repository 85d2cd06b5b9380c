import type { Command } from 'commander';
import { ConfigError } from '../../errors/errors.js';
import { parseDuration } from '../../http/duration.js';
import { DEFAULT_QUEUE_URL } from '../../queue/run-spec.js';
import { startWorker } from '../../queue/worker.js';
import { createWorkerMetrics, serveWorkerMetrics } from '../../queue/worker-metrics.js';
import { type CliIo, loggerFor } from '../common.js';

interface WorkerFlags {
  queue: string;
  db?: string;
  concurrency: string;
  port: string;
  lockDuration: string;
}

/** `inlet worker`: run jobs of queued syncs until SIGTERM/SIGINT (contract: workers). */
export function registerWorker(program: Command, io: CliIo): void {
  program
    .command('worker')
    .description('run the jobs of `inlet sync … --queue` runs (BullMQ on Redis, PostgreSQL catalog)')
    .option('--queue <url>', 'the Redis of the queue', DEFAULT_QUEUE_URL)
    .option('--db <url>', "catalog (postgres://…); default: the one each run's coordinator names")
    .option('--concurrency <n>', 'jobs run at once', '4')
    .option('--port <port>', 'serve /healthz and /metrics on this port (0: none)', '9465')
    .option(
      '--lock-duration <duration>',
      'a job whose worker is silent this long goes to another worker',
      '30s',
    )
    .action(async (flags: WorkerFlags) => {
      const concurrency = Number(flags.concurrency);
      if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
        throw new ConfigError(`--concurrency: "${flags.concurrency}" is not a whole number >= 1`);
      }
      const port = Number(flags.port);
      if (!Number.isSafeInteger(port) || port < 0 || port > 65535) {
        throw new ConfigError(`--port: "${flags.port}" is not a port number`);
      }
      const lockDuration = parseDuration(flags.lockDuration, '--lock-duration');
      const logger = loggerFor(program);
      const metrics = createWorkerMetrics();
      const worker = startWorker({
        queue: flags.queue,
        db: flags.db,
        concurrency,
        lockDuration,
        logger,
        metrics,
      });
      let stopping = false;
      const server = port > 0 ? await serveWorkerMetrics(metrics, port, () => !stopping) : undefined;
      await worker.ready;
      io.stderr(
        `inlet worker: ${concurrency} at once on ${new URL(flags.queue).host}${server ? `, /metrics on :${port}` : ''}\n`,
      );
      // SIGTERM is BullMQ's graceful close: no new job, the active ones finish; a second signal exits at once.
      await new Promise<void>((resolve) => {
        const stop = () => {
          if (stopping) process.exit(143);
          stopping = true;
          io.stderr(`inlet worker: stopping after ${worker.active()} active job(s)\n`);
          resolve();
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      });
      await worker.close();
      server?.close();
    });
}
