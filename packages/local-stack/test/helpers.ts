import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalFunction, type LocalFunctionConfig } from '../src/lambda/lambda-function';

/** Polls until check returns a value other than undefined/false, or fails after timeoutMs. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

/** Every process below pid (children, grandchildren, …), from ps. */
export function descendantPids(pid = process.pid): number[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const [child, ppid] of rows) {
      if (ppid === parent) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The one key of a record that starts with prefix (CDK logical ids end in a hash). */
export function byPrefix<T>(record: Record<string, T>, prefix: string): T {
  const matches = Object.entries(record).filter(([key]) => key.startsWith(prefix));
  if (matches.length !== 1)
    throw new Error(`expected one key starting with ${prefix}, got ${Object.keys(record).join(', ')}`);
  return matches[0]![1];
}

/**
 * Handlers written to a temporary folder for the suite (`files`: name → source), and a factory of
 * LocalFunctions running them (3 s timeout, 128 MB unless overridden); every function a test made
 * is stopped after it, and the folder is removed after the suite.
 */
export function handlerFixture(
  files: Record<string, string>,
  defaults: Pick<LocalFunctionConfig, 'logicalId' | 'functionName' | 'handler'>,
): (overrides?: Partial<LocalFunctionConfig>) => LocalFunction {
  let codeDir = '';
  const functions: LocalFunction[] = [];
  beforeAll(() => {
    codeDir = mkdtempSync(path.join(tmpdir(), `${defaults.functionName}-function-`));
    for (const [name, source] of Object.entries(files)) writeFileSync(path.join(codeDir, name), source);
  });
  afterEach(async () => {
    await Promise.all(functions.splice(0).map((fn) => fn.stop()));
  });
  afterAll(() => rmSync(codeDir, { recursive: true, force: true }));
  return (overrides = {}) => {
    const fn = new LocalFunction({
      functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${defaults.functionName}`,
      codeDir,
      timeoutSeconds: 3,
      memorySize: 128,
      environment: {},
      ...defaults,
      ...overrides,
    });
    functions.push(fn);
    return fn;
  };
}
