/**
 * LocalFunction's execution environments, on small handlers written to a temporary folder (no
 * emulators): one invocation per environment, warm reuse, idle stop, timeouts, crashes and the
 * concurrency limits (reserved, per function, account-wide with reclaiming of idle environments).
 */
import { AccountConcurrency } from '../src/lambda/lambda-concurrency';
import {
  LambdaFunctionError,
  LambdaThrottledError,
  LambdaTimeoutError,
  type LocalFunction,
} from '../src/lambda/lambda-function';
import { eventually, handlerFixture } from './helpers';

// Module state: which environment this is, how many invocations it ran, the current request.
const HANDLER = `
const environmentId = Math.random().toString(36).slice(2);
let invocations = 0;
let current;
export async function handler(event) {
  invocations++;
  current = event.id;
  if (event.exit) process.exit(3);
  if (event.holdMs) await new Promise((resolve) => setTimeout(resolve, event.holdMs));
  return { id: event.id, seen: current, environmentId, invocations };
}
`;

interface Result {
  id: string;
  seen: string;
  environmentId: string;
  invocations: number;
}

const localFunction = handlerFixture(
  { 'index.mjs': HANDLER },
  { logicalId: 'Probe', functionName: 'probe', handler: 'index.handler' },
);

const invoke = (fn: LocalFunction, event: { id: string; holdMs?: number; exit?: boolean }) =>
  fn.invoke(event) as Promise<Result>;

describe('execution environments', () => {
  it('gives each of 10 concurrent invocations its own environment, then reuses the most recently used one warm', async () => {
    const fn = localFunction();
    const finished: Result[] = [];
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        invoke(fn, { id: `r${i}`, holdMs: 300 }).then((result) => (finished.push(result), result)),
      ),
    );
    for (const [i, result] of results.entries()) expect(result).toMatchObject({ id: `r${i}`, seen: `r${i}` });
    expect(new Set(results.map((r) => r.environmentId)).size).toBe(10);
    expect(results.every((r) => r.invocations === 1)).toBe(true);
    expect(fn.metrics).toEqual({ invocations: 10, throttles: 0, coldStarts: 10, peakConcurrency: 10 });
    expect(fn.environmentCount).toEqual({ busy: 0, idle: 10 });

    const next = await invoke(fn, { id: 'after' });
    expect(next.environmentId).toBe(finished.at(-1)!.environmentId);
    expect(next.invocations).toBe(2);
    expect(fn.metrics.coldStarts).toBe(10);
  });

  it('stops an environment idle for idleTimeoutMs; the next invocation is a cold start', async () => {
    const fn = localFunction({ idleTimeoutMs: 200 });
    const first = await invoke(fn, { id: 'a' });
    expect((await invoke(fn, { id: 'b' })).environmentId).toBe(first.environmentId);
    await eventually(async () => fn.environmentCount.idle === 0, 5000, 'the idle environment to stop');
    const later = await invoke(fn, { id: 'c' });
    expect(later.environmentId).not.toBe(first.environmentId);
    expect(later.invocations).toBe(1);
    expect(fn.metrics.coldStarts).toBe(2);
  });

  it('discards an environment whose invocation timed out, so its late work cannot reach the next one', async () => {
    const fn = localFunction({ timeoutSeconds: 1 });
    const warm = await invoke(fn, { id: 'warm' });
    await expect(invoke(fn, { id: 'slow', holdMs: 3000 })).rejects.toBeInstanceOf(LambdaTimeoutError);
    expect(fn.environmentCount).toEqual({ busy: 0, idle: 0 });
    const next = await invoke(fn, { id: 'next' });
    expect(next.environmentId).not.toBe(warm.environmentId);
    expect(next).toMatchObject({ seen: 'next', invocations: 1 });
  });

  it('discards an environment whose runtime exited (Runtime.ExitError)', async () => {
    const fn = localFunction();
    const error = await invoke(fn, { id: 'x', exit: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LambdaFunctionError);
    expect(error).toMatchObject({ errorType: 'Runtime.ExitError' });
    expect(fn.environmentCount).toEqual({ busy: 0, idle: 0 });
    expect((await invoke(fn, { id: 'y' })).invocations).toBe(1);
  });

  it('throttles past ReservedConcurrentExecutions, and every invocation at 0', async () => {
    const fn = localFunction({ reservedConcurrency: 2 });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 3 }, (_, i) => invoke(fn, { id: `r${i}`, holdMs: 500 })),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    const throttle = (outcomes[2] as PromiseRejectedResult).reason as LambdaThrottledError;
    expect(throttle).toBeInstanceOf(LambdaThrottledError);
    expect(throttle).toMatchObject({
      errorType: 'TooManyRequestsException',
      reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
    });
    expect(fn.metrics).toMatchObject({ invocations: 2, throttles: 1, peakConcurrency: 2 });
    // Once one is free, an invocation gets it.
    expect((await invoke(fn, { id: 'later' })).invocations).toBe(2);

    const disabled = localFunction({ reservedConcurrency: 0 });
    await expect(invoke(disabled, { id: 'never' })).rejects.toBeInstanceOf(LambdaThrottledError);
  });

  it('throttles past the local per-function cap', async () => {
    const fn = localFunction({ maxEnvironments: 1 });
    const outcomes = await Promise.allSettled([invoke(fn, { id: 'a', holdMs: 300 }), invoke(fn, { id: 'b' })]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({
      reason: 'ConcurrentInvocationLimitExceeded',
    });
  });

  it('shares the account concurrency: an idle environment of another function is reclaimed, a busy one throttles', async () => {
    const account = new AccountConcurrency(1);
    const a = localFunction({ logicalId: 'A', functionName: 'a', account });
    const b = localFunction({ logicalId: 'B', functionName: 'b', account });
    await invoke(a, { id: 'a1' });
    expect(a.environmentCount.idle).toBe(1);
    // b needs the only slot: a's idle environment is stopped for it.
    const running = invoke(b, { id: 'b1', holdMs: 500 });
    expect(a.environmentCount.idle).toBe(0);
    await expect(invoke(a, { id: 'a2' })).rejects.toBeInstanceOf(LambdaThrottledError);
    await running;
    expect(account.liveEnvironments).toBe(1);
    expect((await invoke(a, { id: 'a3' })).invocations).toBe(1); // a cold start, on b's reclaimed slot
    expect(b.environmentCount.idle).toBe(0);
  });
});
