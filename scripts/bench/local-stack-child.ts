/**
 * The local stack under measurement, as a child process (scripts/local-stack-process.ts), so the
 * load generator and the stack run on separate event loops and the stack's memory can be sampled.
 */
import { existsSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface LocalStackReady {
  url: string;
  emulators: { dynamodb: string; sqs: string; region: string };
  tables: Record<string, { tableName: string; streamArn?: string }>;
  queues: Record<string, { queueUrl: string; queueArn: string; queueName: string }>;
  /** By logical id: where each function's code is and the environment it runs with. */
  functions: Record<
    string,
    { codeDir: string; handler: string; memorySize: number; environment: Record<string, string> }
  >;
}

export interface LocalStackChild {
  ready: LocalStackReady;
  /** The child's process id: the root of the process tree whose memory is the stack's. */
  pid: number;
  /** Invocation durations (ms) by function logical id since the last reset (needs invocationStats). */
  invocationDurations(): Promise<Record<string, number[]>>;
  resetInvocationDurations(): void;
  /** Chaos mode's faults injected so far, by kind (empty without chaos). */
  faults(): Promise<Record<string, number>>;
  /** The stack process's memoryUsage() after a full GC (the GC needs nodeOptions ['--expose-gc']). */
  memory(): Promise<NodeJS.MemoryUsage>;
  /** Each function's counters (LocalFunctionMetrics), by logical id. */
  metrics(): Promise<
    Record<string, { invocations: number; throttles: number; coldStarts: number; peakConcurrency: number }>
  >;
  /** Invokes a function directly, by logical id: its result, or how it failed. */
  invoke(logicalId: string, event: unknown): Promise<InvocationOutcome>;
  /** Bytes the functions wrote to stdout (their logs, EMF metrics included) since the last reset. */
  functionLogBytes(): number;
  resetFunctionLogBytes(): void;
  stop(): Promise<void>;
}

export type InvocationOutcome = { ok: true; result: unknown } | { ok: false; errorType: string; message: string };

export interface LocalStackChildOptions {
  apiKey: string;
  /** More tokens, one per simulated client: the usage plan limits each token on its own. */
  clientTokens?: readonly string[];
  /** Default: reuse cdk.out when it holds a synthesized app, synthesize when it does not (a fresh clone). */
  synth?: boolean;
  /** Extra Node options for the child, e.g. --cpu-prof. */
  nodeOptions?: string[];
  /** Emulators started elsewhere (e.g. behind a counting proxy). */
  emulators?: LocalStackReady['emulators'];
  invocationStats?: boolean;
  /** Overrides the functions' POWERTOOLS_LOG_LEVEL; default: the template's. */
  logLevel?: string;
  /** Chaos mode (ChaosOptions of @serverless-jobs/local-stack); default off. */
  chaos?: object;
  /** Extra environment variables for the stack (JOBS_* ones reach the functions). */
  env?: Record<string, string>;
  /** Where the stack's log lines go; default: dropped. */
  log?: (line: string) => void;
}

export async function startLocalStackChild(options: LocalStackChildOptions): Promise<LocalStackChild> {
  const child: ChildProcess = spawn(
    process.execPath,
    [...(options.nodeOptions ?? []), '--import', 'tsx', 'scripts/local-stack-process.ts'],
    {
      env: {
        ...process.env,
        JOBS_API_KEY: options.apiKey,
        LOCAL_STACK_CLIENT_TOKENS: (options.clientTokens ?? []).join(','),
        // The benchmarks and the soak stand for many clients but poll with one token: lift the
        // per-token cap of open long polls for them (the status function's reservation still holds).
        JOBS_LONG_POLLS_PER_TOKEN: process.env.JOBS_LONG_POLLS_PER_TOKEN ?? '1000',
        ...(options.logLevel ? { POWERTOOLS_LOG_LEVEL: options.logLevel } : {}),
        LOCAL_STACK_SYNTH: String(options.synth ?? !existsSync('cdk.out/manifest.json')),
        LOCAL_STACK_INVOCATION_STATS: String(options.invocationStats ?? false),
        ...(options.emulators ? { LOCAL_STACK_EMULATORS: JSON.stringify(options.emulators) } : {}),
        ...(options.chaos ? { LOCAL_STACK_CHAOS: JSON.stringify(options.chaos) } : {}),
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  const lastLines: string[] = [];
  const log = (line: string) => {
    lastLines.push(line);
    if (lastLines.length > 20) lastLines.shift();
    options.log?.(line);
  };
  createInterface({ input: child.stderr! }).on('line', log);
  let logBytes = 0;
  const statsWaiters: ((stats: Record<string, number[]>) => void)[] = [];
  // Replies to the `faults` and `memory` commands, by their line's prefix.
  const replyWaiters: Record<string, ((reply: unknown) => void)[]> = { FAULTS: [], MEMORY: [], METRICS: [] };
  const invocations = new Map<number, (outcome: InvocationOutcome) => void>();
  let nextInvocation = 1;
  const ask = <Reply>(command: string, prefix: string) =>
    new Promise<Reply>((resolve) => {
      replyWaiters[prefix]!.push(resolve as (reply: unknown) => void);
      child.stdin!.write(`${command}\n`);
    });
  const ready = await new Promise<LocalStackReady>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('READY ')) resolve(JSON.parse(line.slice(6)) as LocalStackReady);
      else if (line.startsWith('STATS ')) statsWaiters.shift()?.(JSON.parse(line.slice(6)) as Record<string, number[]>);
      else if (line.startsWith('INVOKED ')) {
        const [, n, outcome] = /^INVOKED (\d+) (.*)$/.exec(line) ?? [];
        invocations.get(Number(n))?.(JSON.parse(outcome!) as InvocationOutcome);
        invocations.delete(Number(n));
      } else if (/^(FAULTS|MEMORY|METRICS) /.test(line)) {
        const space = line.indexOf(' ');
        replyWaiters[line.slice(0, space)]!.shift()?.(JSON.parse(line.slice(space + 1)));
      } else {
        logBytes += Buffer.byteLength(line) + 1;
        log(line);
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`the local stack exited with ${code} before it was ready:\n${lastLines.join('\n')}`)),
    );
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    ready,
    pid: child.pid!,
    invocationDurations: () =>
      new Promise((resolve) => {
        statsWaiters.push(resolve);
        child.stdin!.write('stats\n');
      }),
    resetInvocationDurations: () => child.stdin!.write('reset\n'),
    faults: () => ask<Record<string, number>>('faults', 'FAULTS'),
    memory: () => ask<NodeJS.MemoryUsage>('memory', 'MEMORY'),
    metrics: () => ask('metrics', 'METRICS'),
    invoke: (logicalId, event) =>
      new Promise((resolve) => {
        const n = nextInvocation++;
        invocations.set(n, resolve);
        child.stdin!.write(`invoke ${n} ${logicalId} ${JSON.stringify(event)}\n`);
      }),
    functionLogBytes: () => logBytes,
    resetFunctionLogBytes: () => (logBytes = 0),
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
