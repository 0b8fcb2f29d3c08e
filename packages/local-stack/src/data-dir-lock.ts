import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

const LOCK_FILE = 'local-stack.lock';
/** How long a dead owner's emulators get to notice (their stdin closed) and exit before they are killed. */
const ORPHAN_EXIT_WAIT_MS = 10_000;

interface LockContent {
  pid: number;
  /** The emulator processes (DynamoDB Local's guard, fauxqs) started for this folder. */
  emulatorPids: number[];
}

/** The data directory of one running local stack. */
export interface DataDirLock {
  /** Records the emulator processes that hold the folder's files, for the next start to reclaim. */
  recordEmulators(pids: number[]): Promise<void>;
  release(): Promise<void>;
}

/**
 * Takes the data directory for this process: refuses a folder a running local stack holds (two
 * DynamoDB Locals on one database file would corrupt it), and reclaims one whose owner died. Its
 * emulators exit by themselves when their owner dies (they watch their stdin), but a restart right
 * after a SIGKILL can come sooner than that: wait for them, and kill those still there.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_FILE);
  const previous = readLock(file);
  if (previous && previous.pid !== process.pid && isAlive(previous.pid))
    throw new Error(`${dataDir} is in use by the local stack running as process ${previous.pid}`);
  if (previous) await reclaim(previous.emulatorPids);
  const write = (content: LockContent) => writeFile(file, JSON.stringify(content));
  await write({ pid: process.pid, emulatorPids: [] });
  return {
    recordEmulators: (emulatorPids) => write({ pid: process.pid, emulatorPids }),
    release: () => rm(file, { force: true }),
  };
}

function readLock(file: string): LockContent | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockContent;
  } catch {
    return undefined; // torn by a kill mid-write: the owner is gone
  }
}

async function reclaim(pids: number[]): Promise<void> {
  const ours = pids.filter(isEmulatorProcess);
  for (let waited = 0; ours.some(isAlive) && waited < ORPHAN_EXIT_WAIT_MS; waited += 100)
    await new Promise((resolve) => setTimeout(resolve, 100));
  // SIGTERM, not SIGKILL: DynamoDB Local's guard passes it on to Java (killed, the guard would orphan it).
  for (const pid of ours.filter(isAlive)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // exited meanwhile
    }
  }
  for (let waited = 0; ours.some(isAlive) && waited < ORPHAN_EXIT_WAIT_MS; waited += 100)
    await new Promise((resolve) => setTimeout(resolve, 100));
}

/** Alive and not a zombie. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true; // no /proc (macOS): kill(0) said it exists
  }
}

/** Still one of our emulator scripts, not an unrelated process that reused the pid. */
function isEmulatorProcess(pid: number): boolean {
  try {
    return /guard\.mjs|fauxqs-server\.mjs/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return isAlive(pid);
  }
}
