import { spawn } from 'node:child_process';

const STOP_GRACE_MS = 3000;
const OUTPUT_TAIL_CHARS = 8000;

/** A child process we started and must never leave behind. */
export interface ManagedChild {
  readonly pid: number;
  /** Resolves with the exit code (or signal name) when the process has exited. */
  readonly exited: Promise<number | string>;
  /** The last few KB of stdout + stderr, for error messages. */
  output(): string;
  /** Each complete stdout line, as it arrives. */
  onLine(listener: (line: string) => void): void;
  /** SIGTERM, then SIGKILL after a grace period; resolves when the process is gone. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Spawns a process with a stdin pipe that we never close: the child (or its guard,
 * see guard.mjs) treats end-of-stdin as "the parent died" and exits. That is how
 * emulators go away even when our process is killed with SIGKILL.
 */
export function spawnManaged(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): ManagedChild {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let tail = '';
  let partialLine = '';
  const lineListeners: ((line: string) => void)[] = [];
  const record = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout.on('data', (chunk: Buffer) => {
    record(chunk);
    const lines = (partialLine + chunk.toString()).split('\n');
    partialLine = lines.pop() ?? '';
    for (const line of lines) for (const listener of lineListeners) listener(line);
  });
  child.stderr.on('data', record);
  child.stdin.on('error', () => {}); // EPIPE when the child exits first
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.on('error', (error) => {
      tail += `\n${error.message}`;
      resolve('spawn-error');
    });
  });
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  let stopping: Promise<void> | undefined;

  return {
    pid: child.pid ?? -1,
    exited,
    output: () => tail,
    onLine: (listener) => lineListeners.push(listener),
    stop() {
      stopping ??= (async () => {
        if (hasExited) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
        child.stdin.destroy();
      })();
      return stopping;
    },
  };
}
