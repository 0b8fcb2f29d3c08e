/**
 * `npm test`: everything, its parts side by side so that one part's waiting overlaps another's work.
 *
 * 1. The static checks (tsc, then ESLint and Prettier) beside the package build and `cdk synth`,
 *    and beside them from the start the jest process of `unit` and `cdk` (CPU-bound, no emulators,
 *    neither the build nor cdk.out needed), which takes up what CPU the checks leave idle.
 * 2. When the checks, the build and the synth have passed, four more jest processes: `emulators`
 *    in band (its suites share the local stack the global setup starts, on the synthesized
 *    cdk.out); `isolated` (suites that start a stack of their own and mostly wait on it: injected
 *    crashes, the soak); `restart` (the kill and restart, which mostly waits out visibility
 *    timeouts); `apps` (suites that synthesize and run CDK apps of their own). The `emulators`
 *    suites are one chain in band, so whatever needs no shared stack runs elsewhere. Each jest
 *    process's wall time is printed when it ends, to balance them by.
 *
 * Extra arguments go to every jest process. Exits non-zero when any part fails (a failed check,
 * build or synth stops `unit` and `cdk` and skips the rest); Ctrl-C stops every part.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const running = new Set();

function run(command, args, env = {}) {
  const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  running.add(child);
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? (signal ? 1 : 0));
    }),
  );
}

/** `npm run a && npm run b …`: stops at the first failure. */
async function inSequence(scripts) {
  for (const script of scripts) {
    const code = await run('npm', ['run', '--silent', script]);
    if (code !== 0) return code;
  }
  return 0;
}

const stop = (signal) => {
  for (const child of running) child.kill(signal);
  process.exit(1);
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));

const failed = (codes) => codes.some((code) => code !== 0);

const jest = ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', '--runInBand'];
const extra = process.argv.slice(2);
const startedAt = Date.now();
const seconds = () => Math.round((Date.now() - startedAt) / 1000);
// Each jest process also writes its results as JSON, so that the failures of all of them can be
// listed again at the very end, where a log cut to its last lines still shows them.
const resultsDir = mkdtempSync(path.join(tmpdir(), 'npm-test-'));
process.on('exit', () => rmSync(resultsDir, { recursive: true, force: true }));
const resultsOf = (projects) => path.join(resultsDir, `${projects.join('+')}.json`);

const jestProcess = async (projects) => {
  const results = ['--json', `--outputFile=${resultsOf(projects)}`];
  const code = await run(process.execPath, [...jest, '--selectProjects', ...projects, ...results, ...extra], {
    LOCAL_STACK_SYNTH: 'false',
  });
  console.log(`npm test: jest ${projects.join(' + ')} ${code === 0 ? 'passed' : 'FAILED'} after ${seconds()} s`);
  return code;
};

/** The failed tests (or suites that failed to run) in a jest process's JSON results, with the start of each message. */
function failuresOf(projects) {
  let report;
  try {
    report = JSON.parse(readFileSync(resultsOf(projects), 'utf8'));
  } catch {
    return [`${projects.join(' + ')}: no results written (the jest process itself failed)`];
  }
  const firstLines = (message) =>
    message
      .split('\n')
      .filter((line) => line.trim() && !/^\s+at /.test(line)) // the message, not its stack
      .slice(0, 6)
      .join('\n      ');
  return report.testResults.flatMap((suite) => {
    const file = path.relative(process.cwd(), suite.name);
    const failed = suite.assertionResults.filter((test) => test.status === 'failed');
    if (failed.length === 0)
      return suite.status === 'failed' ? [`${file}\n      ${firstLines(suite.message ?? '')}`] : [];
    return failed.map((test) => `${file} › ${test.fullName}\n      ${firstLines(test.failureMessages.join('\n'))}`);
  });
}

const processes = [['unit', 'cdk'], ['emulators'], ['isolated'], ['restart'], ['apps']];
const unitAndCdk = jestProcess(processes[0]);
const checks = await Promise.all([inSequence(['typecheck', 'lint']), inSequence(['build', 'synth'])]);
console.log(`npm test: checks, build and synth ${failed(checks) ? 'FAILED' : 'passed'} after ${seconds()} s`);
if (failed(checks)) {
  console.error('npm test: the checks, the build or the synth failed; jest stopped');
  stop('SIGTERM');
}

const suites = await Promise.all([unitAndCdk, ...processes.slice(1).map(jestProcess)]);
if (failed(suites)) {
  console.log('npm test: FAILED. What failed:');
  processes.forEach((projects, i) => {
    if (suites[i] !== 0)
      for (const failure of failuresOf(projects)) console.log(`  [${projects.join(' + ')}] ${failure}`);
  });
}
process.exitCode = failed(suites) ? 1 : 0;
