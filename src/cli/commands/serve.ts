import type { Command } from 'commander';
import { type CatalogStore, openCatalog } from '../../catalog/index.js';
import { ConfigError, isInletError } from '../../errors/errors.js';
import { openIntegration } from '../../sync/open-integration.js';
import { registerAtStart } from '../../webhooks/register-at-start.js';
import { parseEvery } from '../../webhooks/schedule.js';
import { renderVerify, type ServeOptions, startServe } from '../../webhooks/serve.js';
import { type CliIo, loggerFor, type SettingsFlags, withSettings } from '../common.js';
import { resolveIntegration } from '../resolve-integration.js';

interface ServeFlags extends SettingsFlags {
  port: string;
  host: string;
  every?: string;
  publicUrl?: string;
}

/** `--public-url`: registration at start (warns on failure, never stops the server). */
const registerHook: NonNullable<ServeOptions['register']>['run'] = (ctx) =>
  registerAtStart({
    integration: ctx.integration,
    publicUrl: ctx.publicUrl,
    logger: ctx.logger,
    signal: ctx.signal,
  });

/** `inlet serve <integration>`: receive webhooks into the inbox until SIGINT/SIGTERM. */
export function registerServe(program: Command, io: CliIo, setExit: (code: number) => void): void {
  withSettings(program.command('serve <integration>'))
    .description('receive verified webhook deliveries into the catalog inbox and apply them')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '8080')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--every <duration>', 'also resync at start and then on this interval (e.g. 1h)')
    .option('--public-url <url>', 'register the webhook with the provider at this public base URL')
    .action(async (name: string, flags: ServeFlags) => {
      const logger = loggerFor(program);
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new ConfigError(`--port: "${flags.port}" is not a port number (0-65535)`);
      }
      const everyMs = flags.every === undefined ? undefined : parseEvery(flags.every);
      if (flags.publicUrl !== undefined) checkUrl(flags.publicUrl);
      const integration = await openIntegration(resolveIntegration(name), {
        set: flags.set,
        configFile: flags.config,
        env: process.env,
        onWarning: (message) => logger.warn(message),
      });
      let store: CatalogStore | undefined;
      try {
        try {
          renderVerify(integration);
        } catch (error) {
          // Verification fails closed: a verify block without its secret never starts (exit 2).
          if (!isInletError(error, 'E_CONFIG')) throw error;
          io.stderr(`${error.toLine()}\n`);
          setExit(2);
          return;
        }
        if (integration.loaded.manifest.webhooks?.verify.type === 'none') {
          logger.warn('webhooks.verify is none: unsigned deliveries are accepted');
        }
        // Checkpoints off the event loop: a commit that fills the WAL does not hold the next 2xx.
        store = await openCatalog(flags.db ?? './inlet.db', { backgroundCheckpoints: true });
        const running = await startServe({
          integration,
          store,
          host: flags.host,
          port,
          everyMs,
          register:
            flags.publicUrl !== undefined ? { publicUrl: flags.publicUrl, run: registerHook } : undefined,
          logger,
        });
        store = undefined; // running.stop() closes it
        io.stderr(
          `inlet serve ${integration.name}: listening on ${running.url}, webhooks at ${running.path}\n`,
        );
        await untilSignal();
        io.stderr('stopping: finishing deliveries in flight\n');
        await running.stop();
      } finally {
        await store?.close();
        await integration.close();
      }
    });
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function checkUrl(value: string): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol)) {
    throw new ConfigError(`--public-url: "${value}" is not an http(s) URL`);
  }
}
