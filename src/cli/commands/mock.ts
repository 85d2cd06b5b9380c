import type { Command } from 'commander';
import { builtIns } from '../../../integrations/index.js';
import { ConfigError } from '../../errors/errors.js';
import { parseFaultSpec } from '../../testing/faults.js';
import type { CliIo } from '../common.js';
import { sendWebhooks } from './mock-webhooks.js';

interface MockFlags {
  port?: string;
  faults?: string;
  seed: string;
  sendWebhooks?: string;
  webhookSecret?: string;
  webhookChanges: string;
}

/** `inlet mock <integration> [--port N] [--faults SPEC]`: serve a built-in's simulator on loopback until Ctrl-C. */
export function registerMock(program: Command, io: CliIo): void {
  program
    .command('mock <integration>')
    .description(`serve a simulator on loopback (${[...builtIns.keys()].join(', ') || 'none yet'})`)
    .option('--port <n>', 'port on 127.0.0.1 (default: a free one)')
    .option(
      '--faults <spec>',
      'fault injection, e.g. 429:0.1,502:0.05,reset:0.05,seed:1 (or rate=0.2,kinds=429+502)',
    )
    .option('--seed <n>', 'seed of the generated data', '1')
    .option(
      '--send-webhooks <url>',
      "change the simulated data a few times, POSTing each change's delivery here",
    )
    .option(
      '--webhook-secret <secret>',
      'sign (or, for octopus, authenticate) the deliveries with this secret',
    )
    .option('--webhook-changes <n>', 'how many changes to make, one a second', '3')
    .action(async (name: string, flags: MockFlags) => {
      const builtIn = builtIns.get(name);
      if (!builtIn) {
        throw new ConfigError(
          `mock: no simulator for "${name}" (built-ins: ${[...builtIns.keys()].join(', ')})`,
        );
      }
      const port = flags.port === undefined ? undefined : Number(flags.port);
      if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
        throw new ConfigError(`--port: "${flags.port}" is not a port number`);
      }
      const simulator = await builtIn.startSimulator({
        port,
        seed: Number(flags.seed),
        faults: flags.faults ? parseFaultSpec(flags.faults) : undefined,
      });
      const sets = simulator.settings.map((s) => `--set ${s}`).join(' ');
      io.stdout(`${builtIn.title} simulator on ${simulator.url}\n`);
      io.stdout(`sync it:  inlet sync ${name} ${sets}\n(Ctrl-C to stop)\n`);
      if (flags.sendWebhooks) await sendWebhooks(simulator, flags.sendWebhooks, flags, io);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
      await simulator.close();
    });
}
