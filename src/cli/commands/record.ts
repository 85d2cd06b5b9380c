import { dirname, isAbsolute, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { builtIns } from '../../../integrations/index.js';
import { ConfigError } from '../../errors/errors.js';
import { recordIntegration } from '../../testing/record-integration.js';
import { type CliIo, loggerFor } from '../common.js';
import { packageRoot } from '../package-info.js';
import { resolveIntegration } from '../resolve-integration.js';

interface RecordFlags {
  set: string[];
  config?: string;
  out?: string;
  kinds?: string;
  simulator?: boolean;
  size?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * `inlet record <integration> [--out DIR]`: a real sync through the recording transport, written as
 * tests/cassettes/<kind>.json, tests/expected.ndjson and tests/settings.yaml (docs/testing.md).
 */
export function registerRecord(program: Command, io: CliIo): void {
  program
    .command('record <integration>')
    .description(
      'sync once through a recording transport and write tests/ (cassettes, expected.ndjson, settings.yaml)',
    )
    .option('--out <dir>', 'write a copy of the integration and its tests/ here (required for a built-in)')
    .option('--set <key=value>', 'a setting (repeatable); highest precedence', collect, [])
    .option('--config <file>', 'a YAML file of settings')
    .option('--kinds <a,b>', 'record only these kinds (and the parents they need)')
    .option('--simulator', 'record a built-in from its own simulator, started in-process')
    .option('--size <k=v,…>', 'size knobs of the simulator, e.g. orgs=2,reposPerOrg=3')
    .action(async (target: string, flags: RecordFlags) => {
      const source = resolveIntegration(target);
      const dir = /\.ya?ml$/.test(source) ? dirname(source) : source;
      if (!flags.out && insidePackage(dir)) {
        throw new ConfigError(
          `record: ${target} is part of the installed inlet package; pass --out DIR to record a copy of it there`,
        );
      }
      const logger = loggerFor(program);
      const simulator = flags.simulator ? await startSimulatorOf(target, flags.size) : undefined;
      try {
        const result = await recordIntegration(source, {
          outDir: flags.out ?? dir,
          set: [...(simulator?.settings ?? []), ...flags.set],
          configFile: flags.config,
          env: process.env,
          kinds: flags.kinds
            ?.split(',')
            .map((k) => k.trim())
            .filter(Boolean),
          logger,
          onWarning: (message) => logger.warn(message),
        });
        const counts = Object.entries(result.kinds)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ');
        io.stdout(`recorded ${counts || 'no requests'}; ${result.entities} entities expected\n`);
        for (const file of result.files) io.stdout(`wrote ${shown(resolve(result.dir, file))}\n`);
        io.stdout(`replay it:  inlet test ${shown(result.dir)}\n`);
      } finally {
        await simulator?.close();
      }
    });
}

/** A path relative to the working directory when it is below it, else absolute. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

function insidePackage(dir: string): boolean {
  const root = packageRoot();
  if (!root) return false;
  const rel = relative(root, resolve(dir));
  return !rel.startsWith('..') && !isAbsolute(rel);
}

async function startSimulatorOf(target: string, sizeText: string | undefined) {
  const builtIn = builtIns.get(target);
  if (!builtIn) {
    throw new ConfigError(
      `--simulator: no simulator for "${target}" (built-ins: ${[...builtIns.keys()].join(', ')})`,
    );
  }
  const size: Record<string, number> = {};
  for (const pair of (sizeText ?? '').split(',').filter(Boolean)) {
    const [key, value] = pair.split('=');
    if (!key || value === undefined || !/^\d+$/.test(value.trim())) {
      throw new ConfigError(`--size: expected key=N, got "${pair}"`);
    }
    size[key.trim()] = Number(value);
  }
  return builtIn.startSimulator({ size });
}
