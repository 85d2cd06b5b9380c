import { type DestinationStream, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';
import { formatDuration } from './duration.js';
import type { Redactor } from './redact.js';
import type { EventSink } from './types.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** @default 'info' */
  level?: string;
  /** `pretty` on a terminal, `json` otherwise. @default stderr is a TTY ? 'pretty' : 'json' */
  format?: 'json' | 'pretty';
  /** Where lines go. @default stderr (stdout stays free for command output such as `--json`) */
  destination?: DestinationStream;
}

/**
 * A pino logger, JSON by default and pretty on a terminal.
 * @example const logger = createLogger({ level: 'debug' });
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? (process.stderr.isTTY ? 'pretty' : 'json');
  const destination =
    format === 'pretty'
      ? pretty({ colorize: true, destination: 2, sync: true, ignore: 'pid,hostname' })
      : (options.destination ?? pino.destination({ fd: 2, sync: true }));
  return pino({ level: options.level ?? 'info', base: undefined }, destination);
}

/** Turns HTTP events into log lines: one debug line per request, warnings for retries and waits. */
export function logEvents(logger: Logger, redactor: Redactor): EventSink {
  return (event) => {
    switch (event.type) {
      case 'request':
        if (logger.isLevelEnabled('debug')) {
          const { method, attempt, status, error, durationMs } = event;
          logger.debug(
            { method, url: redactor.url(event.url), status, error, durationMs, attempt },
            `${method} ${status ?? error}`,
          );
        }
        return;
      case 'retry':
        logger.warn(
          {
            method: event.method,
            url: redactor.url(event.url),
            attempt: event.attempt,
            delayMs: event.delayMs,
          },
          redactor.text(
            `retrying after ${event.reason}, attempt ${event.attempt} failed; waiting ${formatDuration(event.delayMs)}`,
          ),
        );
        return;
      case 'rate-limit-wait':
        logger.warn(
          { origin: event.origin, waitMs: event.waitMs },
          redactor.text(`rate budget: waiting ${formatDuration(event.waitMs)} (${event.reason})`),
        );
        return;
      case 'warning':
        logger.warn(
          { kind: event.kind, url: event.url ? redactor.url(event.url) : undefined },
          redactor.text(event.message),
        );
        return;
    }
  };
}
