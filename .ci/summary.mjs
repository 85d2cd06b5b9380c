// Prints `N passed, N failed` from vitest's JSON report (CI reads that line, not vitest's own summary).
// A failing check that runs outside vitest (type check, Biome, knip) counts as one failure.
import { existsSync, readFileSync } from 'node:fs';

const [reportPath, statusText] = process.argv.slice(2);
const status = Number(statusText ?? 1);
let passed = 0;
let failed = 0;
if (reportPath && existsSync(reportPath)) {
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  passed = report.numPassedTests ?? 0;
  failed = report.numFailedTests ?? 0;
  // A test file that fails to load has no tests but is a failure.
  failed += (report.testResults ?? []).filter(
    (r) => r.status === 'failed' && r.assertionResults?.length === 0,
  ).length;
} else {
  console.log('no vitest report: the run failed before the tests (install, build, Biome or knip)');
}
if (status !== 0 && failed === 0) {
  console.log(`exit status ${status} with no failed test: a check outside vitest failed`);
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed`);
