import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoDbClient } from './aws-clients';
import { spawnManaged, type ManagedChild } from './child-process';
import { findFreePort } from './free-port';

const run = promisify(execFile);

/** AWS's DynamoDB Local ships inside this npm package; we extract only its emulator/ folder (no 280-package install). */
const EMULATOR_PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
const GUARD_SCRIPT = fileURLToPath(new URL('./guard.mjs', import.meta.url));
const START_ATTEMPTS = 3;
/** Ready in ~2 s when idle, but over a minute was measured on a loaded 2-core machine: restarting it then only makes things worse. */
const READY_TIMEOUT_MS = 120_000;
/**
 * DynamoDB Local answers CORS from any origin unless told otherwise, which lets any web page read
 * and write it. Nothing in a browser needs it, so the one origin allowed is one that cannot exist
 * (`.invalid` is reserved and never resolves). It has no bind option: it still listens on every
 * interface, on a random port.
 */
const CORS_ALLOWED_ORIGINS = 'http://dynamodb-local.invalid';
/**
 * JVM options for a quick start and a small footprint; DYNAMODB_LOCAL_JAVA_OPTIONS (space-separated)
 * comes after them, and a later HotSpot option wins. Start-up is mostly class loading and JIT
 * compilation: the client compiler alone (TieredStopAtLevel=1) and the serial collector took 0.70 ×
 * the CPU seconds of the JVM defaults until the first answer, here. The heap is capped: by default
 * the JVM may take a quarter of the machine's memory, and in-memory tables live in SQLite's own
 * (native) memory, not in the heap.
 */
export const DEFAULT_JAVA_OPTIONS = [
  '-XX:TieredStopAtLevel=1',
  '-XX:+UseSerialGC',
  '-Xms32m',
  '-Xmx512m',
  '-XX:-UsePerfData',
];

/** The JVM options DynamoDB Local runs with: the defaults, then DYNAMODB_LOCAL_JAVA_OPTIONS. */
export function javaOptions(env: NodeJS.ProcessEnv = process.env): string[] {
  return [...DEFAULT_JAVA_OPTIONS, ...(env.DYNAMODB_LOCAL_JAVA_OPTIONS ?? '').split(/\s+/).filter(Boolean)];
}

export interface RunningDynamoDbLocal {
  endpoint: string;
  process: ManagedChild;
}

/** DYNAMODB_LOCAL_DIR, else node_modules/.cache/dynamodb-local here or in an enclosing folder that has it already (a monorepo's root). */
export function dynamoDbLocalDir(): string {
  if (process.env.DYNAMODB_LOCAL_DIR) return process.env.DYNAMODB_LOCAL_DIR;
  const cache = path.join('node_modules', '.cache', 'dynamodb-local');
  for (let dir = process.cwd(); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, cache, 'DynamoDBLocal.jar'))) return path.join(dir, cache);
  }
  return path.resolve(cache);
}

/** Downloads and extracts DynamoDB Local on first use; later runs reuse the extracted folder. */
export async function ensureDynamoDbLocal(dir = dynamoDbLocalDir()): Promise<string> {
  if (existsSync(path.join(dir, 'DynamoDBLocal.jar'))) return dir;
  await mkdir(path.dirname(dir), { recursive: true });
  // Work in a sibling temp folder and rename at the end, so a half-finished download is never used.
  const work = await mkdtemp(`${dir}.download-`);
  try {
    await run('npm', ['pack', EMULATOR_PACKAGE, '--pack-destination', work, '--silent'], {
      cwd: work,
      maxBuffer: 16 * 1024 * 1024,
    });
    const tarball = (await readdir(work)).find((name) => name.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${EMULATOR_PACKAGE} produced no tarball`);
    await run('tar', ['-xzf', tarball, 'package/emulator'], { cwd: work });
    if (!existsSync(dir)) await rename(path.join(work, 'package/emulator'), dir);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return dir;
}

async function assertJavaInstalled(): Promise<void> {
  let versionText: string;
  try {
    versionText = (await run('java', ['-version'])).stderr;
  } catch {
    throw new Error(
      'Java 17+ is required to run DynamoDB Local, but `java` was not found on PATH (Debian/Ubuntu: apt-get install openjdk-17-jre-headless).',
    );
  }
  const major = Number(/version "(\d+)/.exec(versionText)?.[1] ?? 0);
  if (major && major < 17) throw new Error(`Java 17+ is required to run DynamoDB Local; found Java ${major}.`);
}

/**
 * Starts DynamoDB Local (one shared database) on a free port and waits until it answers: in
 * memory, or with `dbPath` in a SQLite file in that folder that later starts find again.
 */
export async function startDynamoDbLocal(region: string, dbPath?: string): Promise<RunningDynamoDbLocal> {
  await assertJavaInstalled();
  const dir = await ensureDynamoDbLocal();
  if (dbPath) await mkdir(dbPath, { recursive: true });
  let lastOutput = '';
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const port = await findFreePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const child = spawnManaged(
      process.execPath,
      [
        GUARD_SCRIPT,
        'java',
        ...javaOptions(),
        '-Djava.library.path=./DynamoDBLocal_lib',
        '-jar',
        'DynamoDBLocal.jar',
        ...(dbPath ? ['-dbPath', path.resolve(dbPath)] : ['-inMemory']),
        '-sharedDb',
        '-disableTelemetry',
        '-cors',
        CORS_ALLOWED_ORIGINS,
        '-port',
        String(port),
      ],
      { cwd: dir },
    );
    if (await waitUntilAnswering(endpoint, region, child)) return { endpoint, process: child };
    lastOutput = child.output();
    await child.stop(); // most likely the port was taken between discovery and bind: try another one
  }
  throw new Error(`DynamoDB Local did not start after ${START_ATTEMPTS} attempts:\n${lastOutput}`);
}

async function waitUntilAnswering(endpoint: string, region: string, child: ManagedChild): Promise<boolean> {
  const client = createDynamoDbClient({ dynamodb: endpoint, sqs: '', region });
  let exited = false;
  void child.exited.then(() => (exited = true));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    while (!exited && Date.now() < deadline) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return true;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    return false;
  } finally {
    client.destroy();
  }
}
