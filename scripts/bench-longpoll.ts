/**
 * `npm run bench:longpoll`: wake latency of long polling on the embedded local stack, beside short
 * polling at a 1 s interval on the same changes. Latency is measured from the acknowledged write
 * (the PUT's response) to each poll's detection. Prints a table; BENCH_CHANGES sets the number of
 * changes per row (default 200).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../src/aws/aws-clients';

const CHANGES = Number(process.env.BENCH_CHANGES ?? 200);
const API_KEY = 'bench-api-key';
const SHORT_POLL_INTERVAL_MS = 1000;
/** Concurrent long polls across all jobs stay at 100 or below, so rows compare like with like. */
const MAX_CONCURRENT_WAITERS = 100;

interface Ready {
  url: string;
  emulators: { dynamodb: string; sqs: string; region: string };
  tables: Record<string, { tableName: string }>;
}

async function startLocalStack(): Promise<{ ready: Ready; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/local-stack-process.ts'], {
    env: { ...process.env, JOBS_API_KEY: API_KEY, POWERTOOLS_LOG_LEVEL: 'WARN' },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const ready = await new Promise<Ready>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('READY ')) resolve(JSON.parse(line.slice(6)) as Ready);
    });
    child.once('exit', (code) => reject(new Error(`local stack exited with ${code}`)));
  });
  return {
    ready,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function main(): Promise<void> {
  console.log('Starting the local stack…');
  const { ready, stop } = await startLocalStack();
  Object.assign(process.env, {
    AWS_REGION: ready.emulators.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: ready.emulators.dynamodb,
  });
  const waitersTable = Object.entries(ready.tables).find(([id]) => id.startsWith('LongPollWaitersTable'))?.[1]
    .tableName;
  const documentClient = createDocumentClient();
  const headers = { 'content-type': 'application/json', 'x-api-key': API_KEY };
  const url = (path: string) => `${ready.url}${path}`;

  async function registered(jobId: string): Promise<number> {
    const { Count = 0 } = await documentClient.send(
      new QueryCommand({
        TableName: waitersTable,
        KeyConditionExpression: 'jobId = :id',
        ExpressionAttributeValues: { ':id': jobId },
        Select: 'COUNT',
      }),
    );
    return Count;
  }

  /** One job with `waiters` long polls per change, and a short poller at 1 s beside them. */
  async function runJob(waiters: number, changes: number, longLatencies: number[], shortLatencies: number[]) {
    const created = await fetch(url('/jobs'), { method: 'POST', headers, body: '{}' });
    const { id } = (await created.json()) as { id: string };
    let version = 1;
    let shortRequests = 0;
    let acknowledgedAt = 0;
    let stopShort = false;
    let shortSeen = 1;
    let shortDetected: () => void = () => {};
    const shortPoller = (async () => {
      while (!stopShort) {
        shortRequests++;
        const response = await fetch(url(`/jobs/${id}/status`));
        const body = (await response.json()) as { version: number };
        if (body.version !== shortSeen) {
          shortSeen = body.version;
          shortLatencies.push(Date.now() - acknowledgedAt);
          shortDetected();
        }
        await new Promise((resolve) => setTimeout(resolve, SHORT_POLL_INTERVAL_MS));
      }
    })();

    for (let change = 0; change < changes; change++) {
      // A random phase against the short poller, so its latency is not locked to its interval.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * SHORT_POLL_INTERVAL_MS));
      const polls = Array.from({ length: waiters }, () =>
        fetch(url(`/jobs/${id}/status?mode=long&timeout=20000&since=${version}`)).then(async (response) => {
          await response.arrayBuffer();
          return Date.now();
        }),
      );
      while ((await registered(id)) < waiters) await new Promise((resolve) => setTimeout(resolve, 5));
      const detectedByShortPoller = new Promise<void>((resolve) => (shortDetected = resolve));
      const put = await fetch(url(`/jobs/${id}`), {
        method: 'PUT',
        headers,
        body: JSON.stringify({ status: version % 2 === 1 ? 'processing' : 'pending' }),
      });
      acknowledgedAt = Date.now();
      await put.arrayBuffer();
      version++;
      for (const answeredAt of await Promise.all(polls)) longLatencies.push(answeredAt - acknowledgedAt);
      // The next change waits until the short poller has seen this one, so both see every change.
      await detectedByShortPoller;
    }
    stopShort = true;
    await shortPoller;
    return shortRequests;
  }

  const rows: string[][] = [];
  let shortAll: number[] = [];
  let shortRequestsAll = 0;
  for (const waiters of [1, 10, 100]) {
    const jobs = Math.max(1, Math.floor(MAX_CONCURRENT_WAITERS / waiters / 5));
    const perJob = Math.ceil(CHANGES / jobs);
    const longLatencies: number[] = [];
    const shortLatencies: number[] = [];
    console.log(`Long polling with ${waiters} waiter(s) per job: ${jobs} job(s) × ${perJob} changes…`);
    const startedAt = Date.now();
    const shortRequests = await Promise.all(
      Array.from({ length: jobs }, () => runJob(waiters, perJob, longLatencies, shortLatencies)),
    );
    longLatencies.sort((a, b) => a - b);
    rows.push([
      `long poll, ${waiters} waiter(s)`,
      String(jobs * perJob),
      String(longLatencies.length),
      ...[50, 95, 99].map((p) => String(percentile(longLatencies, p))),
      '1',
      `${((Date.now() - startedAt) / 1000).toFixed(0)} s`,
    ]);
    shortAll = shortAll.concat(shortLatencies);
    shortRequestsAll += shortRequests.reduce((a, b) => a + b, 0);
  }
  shortAll.sort((a, b) => a - b);
  rows.push([
    'short poll every 1 s',
    String(shortAll.length),
    String(shortAll.length),
    ...[50, 95, 99].map((p) => String(percentile(shortAll, p))),
    (shortRequestsAll / shortAll.length).toFixed(2),
    '',
  ]);

  const header = ['mode', 'changes', 'wake-ups', 'p50 ms', 'p95 ms', 'p99 ms', 'requests/change', 'duration'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log('');
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
  console.log('');
  console.log(
    'Long-poll latency: acknowledged PUT → long-poll response (stream record → notifier → inbox → waiter). ' +
      'Each long poll costs one request per change; the local stack polls the stream every 250 ms, as Lambda does.',
  );
  await stop();
}

await main();
