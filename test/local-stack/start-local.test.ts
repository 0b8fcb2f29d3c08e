/** `npm start` as a user runs it: it prints its URL, serves, and Ctrl-C leaves no process behind. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** Every process below `pid`, level by level. */
function descendants(pid: number): number[] {
  const { stdout } = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
  const children = stdout.split('\n').filter(Boolean).map(Number);
  return children.flatMap((child) => [child, ...descendants(child)]);
}

/** Running (a zombie has exited: it only waits for its parent to collect its status). */
const running = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

test('npm start prints its URL, answers /health, and SIGINT stops it and every child process', async () => {
  const args = ['--import', 'tsx', 'bin/start-local.ts', '--no-schedules'];
  // `npm test` has synthesized already; reuse it rather than bundling again.
  if (existsSync('cdk.out/manifest.json')) args.push('--no-synth');
  const child = spawn(process.execPath, args, {
    env: { ...process.env, PORT: '0', JOBS_API_KEY: 'start-test-key-0123456' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        const match = /Local stack ready at (http:\/\/localhost:\d+)/.exec(line);
        if (match?.[1]) resolve(match[1]);
      });
      void exited.then((code) => reject(new Error(`npm start exited with ${code} before it was ready`)));
    });
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const children = descendants(child.pid ?? -1);
    expect(children.length).toBeGreaterThanOrEqual(2);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    // Exit order between a child and its own children is not instant: allow them a moment.
    for (let waited = 0; children.some(running) && waited < 5000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(children.filter(running)).toEqual([]);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}, 240_000); // the emulators may take minutes to answer on a loaded machine
