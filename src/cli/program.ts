import { Command, CommanderError } from 'commander';
import { type ConfigError, isInletError, issueLine } from '../errors/errors.js';
import { writeManifestSchema } from '../manifest/write-schema.js';
import { registerCatalog } from './commands/catalog.js';
import { registerCheck } from './commands/check.js';
import { registerInit } from './commands/init.js';
import { registerMock } from './commands/mock.js';
import { registerRecord } from './commands/record.js';
import { registerServe } from './commands/serve.js';
import { registerSync } from './commands/sync.js';
import { registerTest } from './commands/test.js';
import { webhooksCommand } from './commands/webhooks.js';
import { addWebhooksRegister } from './commands/webhooks-register.js';
import { registerWorker } from './commands/worker.js';
import type { CliIo } from './common.js';
import { runDemo } from './demo.js';
import { packageInfo } from './package-info.js';

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: process.stderr.isTTY,
};

/**
 * Run the `inlet` command line; resolves to the exit code instead of exiting, so it can be tested in-process.
 * Every failure prints one line first (`E_CODE …: cause`) and gives a non-zero code.
 */
export async function runCli(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const program = new Command('inlet')
    .description('Declarative, robust API integrations')
    .version(packageInfo().version, '-V, --version')
    .option('--log-level <level>', 'trace|debug|info|warn|error|silent', 'info')
    .option('--log-format <format>', 'json|pretty (pretty on a terminal, JSON otherwise)')
    .option('--verbose', 'print body excerpts and stacks with errors')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  let exitCode = 0;
  const setExit = (code: number) => {
    exitCode = code;
  };
  registerSync(program, io, setExit);
  registerCheck(program, io, setExit);
  registerCatalog(program, io);
  registerMock(program, io);
  registerServe(program, io, setExit);
  addWebhooksRegister(webhooksCommand(program, io), program, io, setExit);
  registerRecord(program, io);
  registerTest(program, io, setExit);
  registerInit(program, io);
  registerWorker(program, io);

  program
    .command('schema [file]')
    .description('write the JSON Schema of inlet.yaml (the build writes schema/inlet.schema.json)')
    .action(async (file?: string) => {
      io.stdout(`wrote ${await writeManifestSchema(file)}\n`);
    });

  program
    .command('demo')
    .description('the whole path offline: sync the GitHub simulator into ./inlet-demo.db and show the result')
    .option('--db <path>', 'the demo catalog', './inlet-demo.db')
    .option('--fault-rate <r>', 'share of simulator responses faulted', '0.1')
    .action(async (options: { db: string; faultRate: string }) => {
      const globals = program.opts<{ logLevel: string; logFormat?: 'json' | 'pretty' }>();
      const ok = await runDemo({
        db: options.db,
        faultRate: Number(options.faultRate),
        logLevel: globals.logLevel,
        logFormat: globals.logFormat,
        out: io.stdout,
        err: io.stderr,
        isTTY: io.isTTY,
      });
      if (!ok) setExit(1);
    });

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const verbose = program.opts<{ verbose?: boolean }>().verbose;
    if (isInletError(error, 'E_CONFIG') && (error as ConfigError).issues.length > 1) {
      // Every issue on its own line, the first one first (zod-style issues as data).
      for (const issue of (error as ConfigError).issues) io.stderr(`E_CONFIG: ${issueLine(issue)}\n`);
    } else if (isInletError(error)) {
      io.stderr(`${error.toLine()}\n`);
      if (verbose && error.body) io.stderr(`body: ${error.body}\n`);
    } else {
      io.stderr(`E_INTERNAL: ${error instanceof Error ? error.message : String(error)}\n`);
    }
    if (verbose && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
    return 1;
  }
}
