import type { Command } from 'commander';
import { createLogger, type Logger } from '../http/log.js';

/** Where the CLI writes; injected so tests capture output without spawning a process. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stderr is a terminal (live progress) . */
  isTTY?: boolean;
}

export interface GlobalOptions {
  logLevel: string;
  logFormat?: 'json' | 'pretty';
  verbose?: boolean;
}

export interface SettingsFlags {
  set: string[];
  config?: string;
  db?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `--set key=value` (repeatable), `--config file.yaml`, `--db` (contract: common options). */
export function withSettings(command: Command): Command {
  return command
    .option('--set <key=value>', 'a setting (repeatable); highest precedence', collect, [])
    .option('--config <file>', 'a YAML file of settings')
    .option('--db <path|url>', 'catalog: a SQLite file or postgres://… URL', './inlet.db');
}

/**
 * The CLI's logger. With `through` (the live progress display on a terminal), lines are written
 * above its block instead of tearing it.
 */
export function loggerFor(program: Command, through?: { print(text: string): void }): Logger {
  const { logLevel, logFormat } = program.opts<GlobalOptions>();
  return createLogger({
    level: logLevel,
    format: logFormat,
    ...(through && { destination: { write: (line: string) => through.print(line) }, colorize: true }),
  });
}
