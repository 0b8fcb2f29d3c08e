import type { LocalStackReady } from '../bench/local-stack-child';

/**
 * The long-poll status function and what it uses, found through its environment in the
 * synthesized template (the function with an inbox prefix and a waiters table).
 */
export function soakTargets(ready: LocalStackReady): {
  statusFunction: string;
  waitersTable: string;
  inboxPrefix: string;
} {
  const found = Object.entries(ready.functions).find(
    ([, fn]) =>
      fn.environment.INBOX_QUEUE_PREFIX && fn.environment.WAITERS_TABLE_NAME && fn.environment.JOBS_TABLE_NAME,
  );
  if (!found) throw new Error('no long-poll status function (INBOX_QUEUE_PREFIX, WAITERS_TABLE_NAME) in the template');
  const [statusFunction, fn] = found;
  return {
    statusFunction,
    waitersTable: fn.environment.WAITERS_TABLE_NAME!,
    inboxPrefix: fn.environment.INBOX_QUEUE_PREFIX!,
  };
}
