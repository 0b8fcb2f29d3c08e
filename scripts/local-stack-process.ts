/**
 * The embedded local stack as a child process for `npm test` (jest's global setup cannot load ESM
 * TypeScript) and the benchmarks (client and server on separate event loops). Prints one
 * `READY <json>` line with its URL, endpoints and resources; logs to stderr; stops everything on
 * SIGTERM or when its parent goes away.
 */
import { startLocalStack } from '@serverless-jobs/local-stack';

const stack = await startLocalStack({
  port: 0,
  synth: process.env.LOCAL_STACK_SYNTH !== 'false',
  apiKeys: [process.env.JOBS_API_KEY ?? ''],
  log: (line) => process.stderr.write(`${line}\n`),
  environmentPrefixes: ['JOBS_', 'POWERTOOLS_'],
});

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
process.stdin.resume();

process.stdout.write(
  `READY ${JSON.stringify({ url: stack.url, emulators: stack.emulators, tables: stack.tables, queues: stack.queues })}\n`,
);
