/**
 * `npm test`: everything, in two stages, each running its parts side by side so that one part's
 * waiting overlaps another's work.
 *
 * 1. The static checks (tsc, then ESLint and Prettier) beside the package build and `cdk synth`.
 * 2. Four jest processes: `unit` and `cdk` (CPU-bound, no emulators); `emulators` in band (its
 *    suites share the local stack the global setup starts, on the synthesized cdk.out); `isolated`
 *    (suites that start a stack of their own and mostly wait on it: visibility timeouts after a kill
 *    or an injected crash); `apps` (suites that synthesize and run CDK apps of their own). The
 *    `emulators` suites are one chain in band, so whatever needs no shared stack runs elsewhere.
 *    Each process's wall time is printed when it ends, to balance them by.
 *
 * Extra arguments go to every jest process. Exits non-zero when any part fails (a failed first
 * stage skips the second); Ctrl-C stops every part.
 */
import { spawn } from 'node:child_process';

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

const checksStartedAt = Date.now();
const checks = await Promise.all([inSequence(['typecheck', 'lint']), inSequence(['build', 'synth'])]);
console.log(`npm test: checks, build and synth took ${Math.round((Date.now() - checksStartedAt) / 1000)} s`);
if (failed(checks)) {
  console.error('npm test: the checks, the build or the synth failed; jest not started');
  process.exit(1);
}

const jest = ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', '--runInBand'];
const extra = process.argv.slice(2);
const startedAt = Date.now();
const suites = await Promise.all(
  [['unit', 'cdk'], ['emulators'], ['isolated'], ['apps']].map(async (projects) => {
    const code = await run(process.execPath, [...jest, '--selectProjects', ...projects, ...extra], {
      LOCAL_STACK_SYNTH: 'false',
    });
    const seconds = Math.round((Date.now() - startedAt) / 1000);
    console.log(`npm test: jest ${projects.join(' + ')} ${code === 0 ? 'passed' : 'FAILED'} after ${seconds} s`);
    return code;
  }),
);
process.exitCode = failed(suites) ? 1 : 0;
