import type { Command } from 'commander';
import { initIntegration } from '../../init/scaffold.js';
import type { CliIo } from '../common.js';

/** `inlet init <name> [--dir DIR] [--from-openapi FILE]`: a new integration folder (docs/init.md). */
export function registerInit(program: Command, io: CliIo): void {
  program
    .command('init <name>')
    .description(
      'create an integration folder that `inlet test` passes at once, or derive one from OpenAPI 3',
    )
    .option('--dir <dir>', 'the folder to create (default: ./<name>); must be new or empty')
    .option(
      '--from-openapi <file>',
      'derive inlet.yaml and mapping.yml from an OpenAPI 3 description (JSON or YAML)',
    )
    .action(async (name: string, flags: { dir?: string; fromOpenapi?: string }) => {
      const result = await initIntegration(name, flags);
      io.stdout(`created ${result.dir}/: ${result.files.join(', ')}\n`);
      if (flags.fromOpenapi) {
        io.stdout(`${result.todos.length} TODO(inlet) to review:\n`);
        for (const todo of result.todos) io.stdout(`  TODO(inlet) ${todo}\n`);
      } else {
        io.stdout(`next: inlet test ${result.dir}\n`);
      }
    });
}
