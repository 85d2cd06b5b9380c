import type { Command } from 'commander';
import { openIntegration } from '../../sync/open-integration.js';
import { registerWebhooks, registrationLine } from '../../webhooks/register.js';
import { type CliIo, loggerFor, type SettingsFlags } from '../common.js';
import { resolveIntegration } from '../resolve-integration.js';

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * `inlet webhooks register <integration> --public-url URL [--set k=v …] [--config f.yaml]`: run
 * `webhooks.register` once; one line per registration (`created`, `exists`, `missing right: …`);
 * exit 1 when a right is missing. `parent` is the `webhooks` command group.
 */
export function addWebhooksRegister(
  parent: Command,
  program: Command,
  io: CliIo,
  setExit: (code: number) => void,
): void {
  parent
    .command('register <integration>')
    .description('make sure the provider sends webhooks to --public-url (never a duplicate)')
    .requiredOption(
      '--public-url <url>',
      'where the provider reaches `inlet serve` (joined with webhooks.path)',
    )
    .option('--set <key=value>', 'a setting (repeatable); highest precedence', collect, [])
    .option('--config <file>', 'a YAML file of settings')
    .action(async (integration: string, flags: Omit<SettingsFlags, 'db'> & { publicUrl: string }) => {
      const logger = loggerFor(program);
      const opened = await openIntegration(resolveIntegration(integration), {
        set: flags.set,
        configFile: flags.config,
        env: process.env,
        onWarning: (message: string) => logger.warn(message),
      });
      try {
        const results = await registerWebhooks(opened, { publicUrl: flags.publicUrl, logger });
        for (const result of results) io.stdout(`${registrationLine(result)}\n`);
        if (results.some((r) => r.status === 'missing-right')) setExit(1);
      } finally {
        await opened.close();
      }
    });
}
