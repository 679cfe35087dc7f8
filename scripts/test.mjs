#!/usr/bin/env node
// Builds the workspace, runs every vitest test (or the files named on the command line) and
// prints the closing line CI reads: `tests: N passed, N failed`. Exits non-zero on any failure,
// and also when no test ran, so an empty run can never pass for a green one.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(root, '.test-results');
const reportPath = join(resultsDir, 'vitest.json');
const bin = (name) => join(root, 'node_modules', '.bin', name);

const build = spawnSync(bin('tsc'), ['-b'], { cwd: root, stdio: 'inherit' });
const web = build.status === 0 ? spawnSync(bin('vite'), ['build', '--config', join(root, 'packages/node/web/vite.config.ts')], { cwd: root, stdio: 'inherit' }) : build;
if (build.status !== 0 || web.status !== 0) {
  console.log('tests: 0 passed, 1 failed');
  console.error('build failed (TypeScript or the web page bundle): fix the errors above');
  process.exit(1);
}

// The page tests need Debian's Chromium; install it when missing (a failure shows in those tests).
const chromium = spawnSync('bash', [join(root, 'scripts', 'ensure-chromium.sh')], { cwd: root, stdio: 'inherit' });
if (chromium.status !== 0) console.error('Chromium is not available: the page tests under test/web will fail');

mkdirSync(resultsDir, { recursive: true });
rmSync(reportPath, { force: true });
const args = ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${reportPath}`, ...process.argv.slice(2)];
const run = spawnSync(bin('vitest'), args, { cwd: root, stdio: 'inherit' });

let passed = 0;
let failed = 0;
try {
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  passed = report.numPassedTests;
  failed = report.numFailedTests;
  // A test file that fails to load, or whose setup hook fails (its tests then count as skipped),
  // has no failed test in it but must still count as a failure.
  const brokenSuites = (report.testResults ?? []).filter(
    (file) => file.status === 'failed' && !(file.assertionResults ?? []).some((test) => test.status === 'failed'),
  ).length;
  failed += brokenSuites;
} catch (error) {
  console.error(`could not read the vitest report at ${reportPath}: ${error.message}`);
  failed += 1;
}
console.log(`tests: ${passed} passed, ${failed} failed`);
if (run.status !== 0 || failed > 0 || passed === 0) process.exit(1);
