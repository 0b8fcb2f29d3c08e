/**
 * `npm run bench:longpoll`: only the long-poll rows of `npm run bench` (scripts/bench/long-poll-wake.ts),
 * on a local stack of their own. BENCH_CHANGES sets the number of changes per row (default 200).
 */
import { createDocumentClient } from '../src/aws/aws-clients';
import { findResources } from './bench/jobs-api';
import { startLocalStackChild } from './bench/local-stack-child';
import { measureLongPollWake } from './bench/long-poll-wake';
import { markdownTable } from './bench/stats';

const API_KEY = 'bench-api-key-0123456';

console.log('Starting the local stack…');
const stack = await startLocalStackChild({
  apiKey: API_KEY,
  synth: process.env.LOCAL_STACK_SYNTH !== 'false',
  logLevel: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
});
try {
  Object.assign(process.env, {
    AWS_REGION: stack.ready.emulators.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: stack.ready.emulators.dynamodb,
  });
  const rows = await measureLongPollWake({
    url: stack.ready.url,
    apiKey: API_KEY,
    changes: Number(process.env.BENCH_CHANGES ?? 200),
    documentClient: createDocumentClient(),
    waitersTable: findResources(stack.ready).waitersTable,
    jobsTable: findResources(stack.ready).jobsTable,
    log: console.log,
  });
  console.log('');
  console.log(
    markdownTable(
      ['mode', 'changes', 'wake-ups', 'p50 ms', 'p95 ms', 'p99 ms', 'requests/change'],
      rows.map((r) => [
        r.mode,
        String(r.changes),
        String(r.wakeUps),
        String(r.p50),
        String(r.p95),
        String(r.p99),
        r.requestsPerChange.toFixed(2),
      ]),
    ),
  );
} finally {
  await stack.stop();
}
