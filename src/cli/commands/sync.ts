import type { Command } from 'commander';
import { ConfigError } from '../../errors/errors.js';
import { parseDuration } from '../../http/duration.js';
import { syncQueued } from '../../queue/coordinator.js';
import { type SyncIntegrationOptions, syncIntegration } from '../../sync/sync-integration.js';
import { type CliIo, loggerFor, type SettingsFlags, withSettings } from '../common.js';
import { createProgress } from '../progress.js';
import { resolveIntegration } from '../resolve-integration.js';
import { formatSummary } from '../summary.js';

interface SyncFlags extends SettingsFlags {
  kinds?: string;
  full?: boolean;
  mapping?: string;
  json?: boolean;
  wait: boolean;
  leaseTtl?: string;
  queue?: string;
}

/** `inlet sync <integration>`: read every kind, map, store, delete stale entities; summary table at the end. */
export function registerSync(program: Command, io: CliIo, setExit: (code: number) => void): void {
  withSettings(program.command('sync <integration>'))
    .description('read every kind into the catalog and delete stale entities when it is safe')
    .option('--kinds <a,b>', 'read only these kinds (reconciles only blueprints they alone produce)')
    .option('--full', 'ignore stored incremental cursors')
    .option('--mapping <file>', 'a port-app-config.yml to use instead of the integration mapping')
    .option('--json', 'print the summary as JSON on stdout')
    .option('--wait', 'wait while another run of this integration holds the catalog (default)')
    .option('--no-wait', 'exit at once (E_BUSY) when another run of this integration is running')
    .option(
      '--lease-ttl <duration>',
      'a run silent this long (killed, frozen) is taken over and marked aborted (default 60s)',
    )
    .option('--queue <url>', 'coordinate the run on this Redis (redis://…): `inlet worker`s do the reading')
    .action(async (integration: string, flags: SyncFlags) => {
      const sync = (path: string, o: SyncIntegrationOptions) =>
        flags.queue ? syncQueued(path, { ...o, queue: flags.queue }) : syncIntegration(path, o);
      const progress = createProgress({ isTTY: io.isTTY, write: io.stderr });
      const logger = loggerFor(program, io.isTTY ? progress : undefined);
      const controller = new AbortController();
      // Ctrl-C aborts cleanly: the run is marked aborted and nothing is deleted; a second one exits at once.
      const onSigint = () => {
        if (controller.signal.aborted) process.exit(130);
        io.stderr(
          'aborting: finishing the pages in flight; nothing will be deleted (Ctrl-C again to exit now)\n',
        );
        controller.abort(new Error('aborted by the user'));
      };
      process.on('SIGINT', onSigint);
      try {
        const summary = await sync(resolveIntegration(integration), {
          set: flags.set,
          configFile: flags.config,
          env: process.env,
          db: flags.db,
          kinds: flags.kinds
            ?.split(',')
            .map((k) => k.trim())
            .filter(Boolean),
          full: flags.full,
          mapping: flags.mapping,
          logger,
          signal: controller.signal,
          onProgress: (kind) => progress.update(kind),
          onEvent: (event) => progress.note(event),
          onWarning: (message) => logger.warn(message),
          lease: {
            wait: flags.wait,
            ttlMs:
              flags.leaseTtl === undefined ? undefined : parseDurationFlag('--lease-ttl', flags.leaseTtl),
          },
        });
        progress.stop();
        if (summary.status !== 'succeeded') {
          // Contract: a failure prints its one-line reason first, then the rest.
          const failed = summary.kinds.filter((k) => k.error).map((k) => k.error);
          io.stderr(`${failed[0] ?? `run ${summary.status}: ${summary.notes[0] ?? ''}`}\n`);
          setExit(1);
        }
        if (flags.json) io.stdout(`${JSON.stringify(summary)}\n`);
        else io.stdout(`${formatSummary(summary, progress.waits())}\n`);
      } finally {
        progress.stop();
        process.off('SIGINT', onSigint);
      }
    });
}

function parseDurationFlag(flag: string, value: string): number {
  const ms = parseDuration(value, flag);
  if (ms < 1000) {
    throw new ConfigError(`${flag}: "${value}" is not a duration of at least 1s (e.g. 30s, 5m)`);
  }
  return ms;
}
