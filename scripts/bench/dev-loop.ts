/**
 * `npm start` as a user runs it: time from the command to "Local stack ready", the resident memory
 * of its whole process tree (npm, Node, its worker threads, DynamoDB Local's JVM, fauxqs) 3 s after
 * that and 3 s after a few jobs ran through it (their execution environments stay warm), then
 * Ctrl+C (SIGINT to its process group) and wait until every process of it is gone.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { treeResidentBytes } from './memory';
import { readJobStatus, submitEmailJob } from './jobs-api';

/** The token `npm start` stores when JOBS_API_KEY is not set. */
const DEFAULT_API_KEY = 'local-dev-api-key';
const JOB_CLIENTS = 2;

export interface StartTiming {
  readyMs: number;
  /** Resident memory of `npm start`'s whole process tree 3 s after it was ready. */
  idleResidentBytes: number;
  /** How many email jobs ran (2 at a time, each submitted, then its status read) before the next figure. */
  jobs: number;
  /** The same, 3 s after those jobs: with the execution environments they started still warm. */
  afterJobsResidentBytes: number;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Submits and reads back `jobs` email jobs, `clients` at a time; the token is stored just after ready, so early 401s are retried. */
async function runJobs(url: string, jobs: number, clients: number): Promise<void> {
  let started = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (started++ < jobs) {
        for (let attempt = 1; ; attempt++) {
          try {
            const job = await submitEmailJob(url, DEFAULT_API_KEY);
            await readJobStatus(url, DEFAULT_API_KEY, job.id);
            break;
          } catch (error) {
            if (attempt >= 10) throw error;
            await pause(500);
          }
        }
      }
    }),
  );
}

export async function timeNpmStart(
  args: readonly string[],
  /** Jobs run after ready, before the second memory figure. */
  jobs: number,
  log: (line: string) => void = () => {},
): Promise<StartTiming> {
  const startedAt = performance.now();
  // Without JOBS_API_KEY, npm start stores its default token, which the jobs below use.
  const { JOBS_API_KEY: _ignored, ...environment } = process.env;
  const child = spawn('npm', ['start', '--', ...args], {
    env: { ...environment, PORT: '0' },
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
    let url = '';
    const readyMs = await new Promise<number>((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        keep(line);
        const ready = /Local stack ready at (\S+)/.exec(line);
        if (ready) {
          url = ready[1]!;
          resolve(performance.now() - startedAt);
        }
      });
      void exited.then((code) =>
        reject(new Error(`npm start exited with ${code} before it was ready:\n${lastLines.join('\n')}`)),
      );
    });
    await pause(3000);
    const idleResidentBytes = treeResidentBytes(child.pid!);
    await runJobs(url, jobs, JOB_CLIENTS);
    await pause(3000);
    return { readyMs, idleResidentBytes, jobs, afterJobsResidentBytes: treeResidentBytes(child.pid!) };
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
