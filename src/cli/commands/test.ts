import { dirname } from 'node:path';
import type { Command } from 'commander';
import { builtIns } from '../../../integrations/index.js';
import { loadManifest } from '../../manifest/load.js';
import type { CheckResult } from '../../testing/checks/check.js';
import { DEFAULT_TEST_FAULTS, testIntegration } from '../../testing/test-integration.js';
import type { CliIo } from '../common.js';
import { resolveIntegration } from '../resolve-integration.js';

/** `inlet test <integration>`: replay the cassettes offline and run the contract's checks (docs/testing.md). */
export function registerTest(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('test <integration>')
    .description('replay tests/cassettes offline and check the catalog, resync, faults, deletion safety')
    .option('--update', 'rewrite tests/expected.ndjson from the replay')
    .option('--faults <spec>', `faults for faults-tolerated (default ${DEFAULT_TEST_FAULTS})`)
    .option('--json', 'one JSON object per check on stdout')
    .action(async (target: string, flags: { update?: boolean; faults?: string; json?: boolean }) => {
      const source = resolveIntegration(target);
      const dir = /\.ya?ml$/.test(source) ? dirname(source) : source;
      // The API's own rate-limit shape, when the manifest is a built-in's (a copy of it keeps its name).
      const name = (await loadManifest(dir, { env: {} }).catch(() => undefined))?.manifest.name;
      const builtIn = name === undefined ? undefined : builtIns.get(name);
      const print = (r: CheckResult) =>
        flags.json
          ? io.stdout(`${JSON.stringify(r)}\n`)
          : io.stdout(`${r.passed ? 'pass' : 'FAIL'}  ${r.check}: ${r.reason}\n`);
      const results = await testIntegration(dir, {
        update: flags.update,
        faults: flags.faults,
        rateLimitAnswer: builtIn?.rateLimitAnswer,
        onCheck: print,
      });
      const failed = results.filter((r) => !r.passed).length;
      const line = `${results.length - failed} passed, ${failed} failed\n`;
      if (flags.json) io.stderr(line);
      else io.stdout(line);
      if (failed > 0) setExit(1);
    });
}
