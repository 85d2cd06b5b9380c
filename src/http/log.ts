import { AsyncLocalStorage } from 'node:async_hooks';
import { type DestinationStream, type Logger, pino } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { formatDuration } from './duration.js';
import type { Redactor } from './redact.js';
import type { EventSink } from './types.js';

export type { Logger } from 'pino';

/** Fields every log line written inside {@link withLogContext} carries, e.g. `{ kind, runId }`. */
export type LogBindings = Readonly<Record<string, string | number>>;

export interface LoggerOptions {
  /** @default 'info' */
  level?: string;
  /** `pretty` on a terminal, `json` otherwise. @default stderr is a TTY ? 'pretty' : 'json' */
  format?: 'json' | 'pretty';
  /** Where lines go. @default stderr (stdout stays free for command output such as `--json`) */
  destination?: DestinationStream;
  /** Colours in pretty mode. @default writing to stderr and `NO_COLOR` unset */
  colorize?: boolean;
  /**
   * Level of the line written for each retry and each rate-budget wait. A person at a terminal
   * reads them as counts per kind in the progress display and the summary instead.
   * @default format === 'pretty' ? 'debug' : 'warn'
   */
  retryLevel?: 'warn' | 'debug';
}

const context = new AsyncLocalStorage<LogBindings>();
const RETRY_LEVEL = Symbol('inlet.retryLevel');

/**
 * Runs `fn` so that every line logged inside it, by a logger from {@link createLogger} or by a
 * client's events, carries `bindings` (nested calls add to the outer ones). The sync engine tags
 * each kind's work with `{ kind, runId }` this way: the client is shared by every kind, so a
 * `logger.child()` per kind could not reach its retry and wait lines.
 * @example await withLogContext({ kind: 'repository', runId: 12 }, () => readKind());
 */
export function withLogContext<T>(bindings: LogBindings, fn: () => T): T {
  const outer = context.getStore();
  return context.run(outer ? { ...outer, ...bindings } : bindings, fn);
}

/** The bindings of the innermost {@link withLogContext} around the caller, if any. */
export function logContext(): LogBindings | undefined {
  return context.getStore();
}

/** In pretty mode a line reads `WARN [run 12 repository] message {fields}`: one line, always. */
function prettyDestination(out: DestinationStream, colorize: boolean): DestinationStream {
  const prettify = prettyFactory({
    colorize,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,kind,runId',
    messageFormat: (log, messageKey) => {
      const tags = [log.runId === undefined ? '' : `run ${log.runId}`, log.kind ?? ''].filter(Boolean);
      return `${tags.length > 0 ? `[${tags.join(' ')}] ` : ''}${String(log[messageKey] ?? '')}`;
    },
  });
  return { write: (line: string) => out.write(prettify(line)) };
}

/**
 * A pino logger, JSON by default and pretty on a terminal. Lines written inside
 * {@link withLogContext} carry its bindings (`kind`, `runId`).
 * @example const logger = createLogger({ level: 'debug' });
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? (process.stderr.isTTY ? 'pretty' : 'json');
  const out = options.destination ?? pino.destination({ fd: 2, sync: true });
  const destination =
    format === 'pretty'
      ? prettyDestination(
          out,
          options.colorize ?? (options.destination === undefined && !process.env.NO_COLOR),
        )
      : out;
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      mixin: (_merge, _level, self) => contextFields(self) ?? {},
    },
    destination,
  );
  // A property, not a WeakMap entry: pino's children inherit it (they are created with Object.create).
  Object.defineProperty(logger, RETRY_LEVEL, {
    value: options.retryLevel ?? (format === 'pretty' ? 'debug' : 'warn'),
  });
  return logger;
}

/** The current context's bindings that the logger does not already carry as child bindings. */
function contextFields(logger: Logger): Record<string, unknown> | undefined {
  const store = context.getStore();
  if (!store) return undefined;
  const own = logger.bindings();
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(store)) if (!(key in own)) fields[key] = value;
  return fields;
}

/**
 * Turns HTTP events into log lines: one debug line per request, a line per retry and per wait
 * (at the logger's `retryLevel`), warnings for the rest. Each carries the {@link withLogContext} bindings.
 */
export function logEvents(logger: Logger, redactor: Redactor): EventSink {
  const retryLevel: 'warn' | 'debug' =
    (logger as { [RETRY_LEVEL]?: 'warn' | 'debug' })[RETRY_LEVEL] ?? 'warn';
  return (event) => {
    switch (event.type) {
      case 'request':
        if (logger.isLevelEnabled('debug')) {
          const { method, attempt, status, error, durationMs } = event;
          logger.debug(
            {
              ...contextFields(logger),
              method,
              url: redactor.url(event.url),
              status,
              error,
              durationMs,
              attempt,
            },
            `${method} ${status ?? error}`,
          );
        }
        return;
      case 'retry':
        if (!logger.isLevelEnabled(retryLevel)) return;
        logger[retryLevel](
          {
            ...contextFields(logger),
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
        if (!logger.isLevelEnabled(retryLevel)) return;
        logger[retryLevel](
          { ...contextFields(logger), origin: event.origin, waitMs: event.waitMs },
          redactor.text(`rate budget: waiting ${formatDuration(event.waitMs)} (${event.reason})`),
        );
        return;
      case 'warning':
        logger.warn(
          {
            ...contextFields(logger),
            ...(event.kind === undefined ? {} : { kind: event.kind }),
            url: event.url ? redactor.url(event.url) : undefined,
          },
          redactor.text(event.message),
        );
        return;
    }
  };
}
