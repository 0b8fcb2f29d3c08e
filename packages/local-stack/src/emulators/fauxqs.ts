import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnManaged, type ManagedChild } from './child-process';

const SERVER_SCRIPT = fileURLToPath(new URL('./fauxqs-server.mjs', import.meta.url));
// Usually ready in about a second; minutes on a machine busy with parallel installs and test runs.
const READY_TIMEOUT_MS = 90_000;

export interface RunningFauxqs {
  endpoint: string;
  process: ManagedChild;
}

/**
 * Starts the fauxqs SQS emulator in a child Node process (it picks its own free port and reports
 * it): in memory, or with `dataDir` persisting queues and messages in a SQLite file there.
 */
export async function startFauxqs(dataDir?: string): Promise<RunningFauxqs> {
  const child = spawnManaged(process.execPath, [SERVER_SCRIPT], {
    env: { ...process.env, FAUXQS_DATA_DIR: dataDir ? path.resolve(dataDir) : '' },
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`fauxqs did not start within ${READY_TIMEOUT_MS} ms:\n${child.output()}`)),
      READY_TIMEOUT_MS,
    );
    child.onLine((line) => {
      try {
        const parsed = JSON.parse(line) as { port?: number };
        if (parsed.port) {
          clearTimeout(timer);
          resolve(parsed.port);
        }
      } catch {
        // not our JSON line
      }
    });
    void child.exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`fauxqs exited during startup:\n${child.output()}`));
    });
  }).catch(async (error: unknown) => {
    await child.stop();
    throw error;
  });
  return { endpoint: `http://127.0.0.1:${port}`, process: child };
}
