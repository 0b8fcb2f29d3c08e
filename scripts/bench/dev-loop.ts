/**
 * `npm start` as a user runs it: time from the command to "Local stack ready", then Ctrl+C (SIGINT
 * to its process group) and wait until every process of it is gone.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { treeResidentBytes } from './memory';

export interface StartTiming {
  readyMs: number;
  /** Resident memory of `npm start`'s whole process tree 3 s after it was ready. */
  idleResidentBytes: number;
}

export async function timeNpmStart(
  args: readonly string[],
  log: (line: string) => void = () => {},
): Promise<StartTiming> {
  const startedAt = performance.now();
  const child = spawn('npm', ['start', '--', ...args], {
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so SIGINT reaches npm, tsx and node as Ctrl+C would
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const lastLines: string[] = [];
  const keep = (line: string) => {
    lastLines.push(line);
    if (lastLines.length > 20) lastLines.shift();
    log(line);
  };
  createInterface({ input: child.stderr }).on('line', keep);
  try {
    const readyMs = await new Promise<number>((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        keep(line);
        if (line.includes('Local stack ready at')) resolve(performance.now() - startedAt);
      });
      void exited.then((code) =>
        reject(new Error(`npm start exited with ${code} before it was ready:\n${lastLines.join('\n')}`)),
      );
    });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    return { readyMs, idleResidentBytes: treeResidentBytes(child.pid!) };
  } finally {
    if (child.exitCode === null) {
      process.kill(-child.pid!, 'SIGINT');
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 20_000);
      await exited;
      // npm may exit before its children have stopped their emulators: wait for the whole group.
      while (groupAlive(child.pid!)) await new Promise((resolve) => setTimeout(resolve, 100));
      clearTimeout(timer);
    }
  }
}

function groupAlive(processGroup: number): boolean {
  try {
    process.kill(-processGroup, 0);
    return true;
  } catch {
    return false;
  }
}
