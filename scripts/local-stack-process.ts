/**
 * The embedded local stack as a child process for `npm test` (jest's global setup cannot load ESM
 * TypeScript) and the benchmarks (client and server on separate event loops). Prints one
 * `READY <json>` line with its URL, endpoints and resources; logs to stderr; stops everything on
 * SIGTERM or when its parent goes away.
 *
 * For the benchmarks: LOCAL_STACK_EMULATORS (JSON endpoints) makes it use emulators started
 * elsewhere, and with LOCAL_STACK_INVOCATION_STATS=true it times every invocation of every
 * function; the stdin lines `stats` (prints `STATS <json>`: per function, the invocation durations
 * in ms since the last reset) and `reset` control that.
 *
 * For the reliability harnesses: LOCAL_STACK_CHAOS (JSON ChaosOptions) starts it in chaos mode;
 * the stdin line `faults` prints `FAULTS <json>` (the faults injected so far, by kind), `metrics`
 * prints `METRICS <json>` (each function's invocations, throttles, cold starts, peak concurrency),
 * `memory` prints `MEMORY <json>` (this process's memoryUsage(), after stopping every idle execution
 * environment and a full GC when the process runs with --expose-gc), and `invoke <n> <logicalId> <event json>` invokes a function directly
 * (like `aws lambda invoke`) and prints `INVOKED <n> <json>`: {ok: true, result} or {ok: false, errorType, message}.
 */
import { createInterface } from 'node:readline';
import { startLocalStack, type ChaosOptions, type EmulatorEndpoints } from '@serverless-jobs/local-stack';
import { seedLocalToken } from '../bin/local-token';

const stack = await startLocalStack({
  port: 0,
  synth: process.env.LOCAL_STACK_SYNTH !== 'false',
  log: (line) => process.stderr.write(`${line}\n`),
  environmentPrefixes: ['JOBS_', 'POWERTOOLS_'],
  emulators: process.env.LOCAL_STACK_EMULATORS
    ? (JSON.parse(process.env.LOCAL_STACK_EMULATORS) as EmulatorEndpoints)
    : undefined,
  ...(process.env.LOCAL_STACK_CHAOS ? { chaos: JSON.parse(process.env.LOCAL_STACK_CHAOS) as ChaosOptions } : {}),
});

// JOBS_API_KEY, and LOCAL_STACK_CLIENT_TOKENS (comma-separated) for load that stands for many
// clients: each token has its own usage-plan key, so its own rate limit, as each client would.
const tokens = [process.env.JOBS_API_KEY, ...(process.env.LOCAL_STACK_CLIENT_TOKENS ?? '').split(',')].filter(
  (token): token is string => Boolean(token),
);
if (tokens.length > 0)
  await seedLocalToken(stack, ...tokens).catch(async (error: unknown) => {
    await stack.stop();
    throw error;
  });

/** Invocation durations by function logical id, since the last `reset`. */
let durations: Record<string, number[]> = {};
if (process.env.LOCAL_STACK_INVOCATION_STATS === 'true') {
  for (const [logicalId, fn] of Object.entries(stack.functions)) {
    const invoke = fn.invoke.bind(fn);
    fn.invoke = async (...args: Parameters<typeof invoke>) => {
      const startedAt = performance.now();
      try {
        return await invoke(...args);
      } finally {
        (durations[logicalId] ??= []).push(performance.now() - startedAt);
      }
    };
  }
}

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await stack.stop();
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
process.stdin.on('end', () => void stop());
createInterface({ input: process.stdin }).on('line', async (line) => {
  if (line === 'stats') process.stdout.write(`STATS ${JSON.stringify(durations)}\n`);
  if (line === 'reset') durations = {};
  if (line === 'faults') process.stdout.write(`FAULTS ${JSON.stringify(stack.chaos ?? {})}\n`);
  if (line === 'metrics') {
    const metrics = Object.fromEntries(Object.entries(stack.functions).map(([id, fn]) => [id, fn.metrics]));
    process.stdout.write(`METRICS ${JSON.stringify(metrics)}\n`);
  }
  const invoke = /^invoke (\d+) (\S+) (.*)$/.exec(line);
  if (invoke) {
    const [, n, logicalId, event] = invoke;
    stack.invoke(logicalId!, JSON.parse(event!)).then(
      (result) => process.stdout.write(`INVOKED ${n} ${JSON.stringify({ ok: true, result })}\n`),
      (error: Error & { errorType?: string }) =>
        process.stdout.write(
          `INVOKED ${n} ${JSON.stringify({ ok: false, errorType: error.errorType ?? error.name, message: error.message })}\n`,
        ),
    );
  }
  if (line === 'memory') {
    // What the process itself holds: the idle execution environments (worker threads, each with a
    // V8 heap this process's GC cannot reach) are stopped first, as Lambda reclaims idle ones, so
    // two figures compare like with like however many environments each moment had warm.
    for (const fn of Object.values(stack.functions)) while (fn.environmentCount.idle > 0) fn.stopOldestIdle();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // Twice: the first collection's finalizers free more for the second.
    for (let i = 0; i < 2; i++) (globalThis as { gc?: () => void }).gc?.();
    process.stdout.write(`MEMORY ${JSON.stringify(process.memoryUsage())}\n`);
  }
});

process.stdout.write(
  `READY ${JSON.stringify({
    url: stack.url,
    emulators: stack.emulators,
    tables: stack.tables,
    queues: stack.queues,
    functions: Object.fromEntries(
      Object.entries(stack.functions).map(([logicalId, fn]) => [
        logicalId,
        { codeDir: fn.codeDir, handler: fn.handler, memorySize: fn.memorySize, environment: fn.environment },
      ]),
    ),
  })}\n`,
);
