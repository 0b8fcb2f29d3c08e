/**
 * npm test's jest step: two jest processes side by side. One runs the `unit`, `cdk` and `emulators`
 * projects in band (they share the local stack the global setup starts); the other runs `isolated`,
 * the suites that start a stack of their own and spend most of their time waiting on it
 * (visibility timeouts after a kill or an injected crash), so their waits overlap the rest.
 * Extra arguments go to both. Exits non-zero when either fails; Ctrl-C stops both.
 */
import { spawn } from 'node:child_process';

const jest = ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', '--runInBand'];
const extra = process.argv.slice(2);
const runs = [
  ['--selectProjects', 'unit', 'cdk', 'emulators'],
  ['--selectProjects', 'isolated'],
].map((projects) => spawn(process.execPath, [...jest, ...projects, ...extra], { stdio: 'inherit' }));

const stop = (signal) => {
  for (const run of runs) if (run.exitCode === null) run.kill(signal);
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));

const codes = await Promise.all(
  runs.map((run) => new Promise((resolve) => run.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))))),
);
process.exitCode = codes.some((code) => code !== 0) ? 1 : 0;
