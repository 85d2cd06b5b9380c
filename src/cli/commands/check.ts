import type { Command } from 'commander';
import { openIntegration } from '../../sync/open-integration.js';
import { type CliIo, loggerFor, type SettingsFlags, withSettings } from '../common.js';
import { resolveIntegration } from '../resolve-integration.js';

/** `inlet check <integration>`: validate manifest, settings and mapping, then prove the connection. */
export function registerCheck(program: Command, io: CliIo, setExit: (code: number) => void): void {
  withSettings(program.command('check <integration>'))
    .description('validate the manifest and settings, then make one cheap authenticated request')
    .option('--mapping <file>', 'also check this port-app-config.yml')
    .action(async (integration: string, flags: SettingsFlags & { mapping?: string }) => {
      const logger = loggerFor(program);
      const opened = await openIntegration(resolveIntegration(integration), {
        set: flags.set,
        configFile: flags.config,
        env: process.env,
        mapping: flags.mapping,
        onWarning: (message: string) => logger.warn(message),
      });
      const { loaded } = opened;
      io.stdout(`manifest ${loaded.file}: valid (${Object.keys(loaded.manifest.resources).length} kinds)\n`);
      const result = await opened.check().finally(() => opened.close());
      io.stdout(`connection: ${result.verdict}: ${result.detail}\n`);
      if (result.verdict !== 'ok') setExit(1);
    });
}
