/**
 * Wake latency of long polling, beside short polling at a 1 s interval on the same changes.
 * Latency is measured from the acknowledged write (the PUT's response) to each poll's detection.
 * Changes made through the API wake their long polls twice over: the writer's own notice right
 * after its save, and the stream notifier's. The stream-only row writes the same change to the
 * table directly, so only the stream can wake the waiter: the guarantee's own latency.
 */
import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readJobStatus } from './jobs-api';
import { latencyPercentiles } from './stats';

const SHORT_POLL_INTERVAL_MS = 1000;
/** Concurrent long polls across all jobs stay at this or below, so rows compare like with like. */
const DEFAULT_MAX_CONCURRENT_WAITERS = 100;

export interface WakeRow {
  mode: string;
  changes: number;
  wakeUps: number;
  p50: number;
  p95: number;
  p99: number;
  requestsPerChange: number;
}

export async function measureLongPollWake(options: {
  url: string;
  apiKey: string;
  /** Changes per row. */
  changes: number;
  documentClient: DynamoDBDocumentClient;
  waitersTable: string;
  jobsTable: string;
  waiterCounts?: number[];
  /** Long polls open at once across the jobs of a row (default 100: within the status function's reservation with its short pollers). */
  maxConcurrentWaiters?: number;
  log?: (line: string) => void;
}): Promise<WakeRow[]> {
  const { documentClient, waitersTable } = options;
  const headers = { 'content-type': 'application/json', 'x-api-key': options.apiKey };
  const url = (path: string) => `${options.url}${path}`;

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
  /** What the API's PUT would write, straight to the table: no writer wakes anyone. */
  async function writeToTable(id: string, version: number, status: string): Promise<void> {
    await documentClient.send(
      new UpdateCommand({
        TableName: options.jobsTable,
        Key: { id },
        UpdateExpression: 'SET #version = :next, #status = :status, updatedAt = :now',
        ConditionExpression: '#version = :version',
        ExpressionAttributeNames: { '#version': 'version', '#status': 'status' },
        ExpressionAttributeValues: {
          ':next': version + 1,
          ':version': version,
          ':status': status,
          ':now': new Date().toISOString(),
        },
      }),
    );
  }

  async function runJob(
    waiters: number,
    changes: number,
    longLatencies: number[],
    shortLatencies: number[],
    via: 'api' | 'table' = 'api',
  ) {
    const created = await fetch(url('/jobs'), { method: 'POST', headers, body: '{}' });
    const answer = await created.text();
    if (created.status !== 201) throw new Error(`POST /jobs answered ${created.status}: ${answer}`);
    const { id } = JSON.parse(answer) as { id: string };
    let version = 1;
    let shortRequests = 0;
    // Until the PUT is acknowledged a poller that already sees the change has waited 0 ms for it.
    let acknowledgedAt = Number.POSITIVE_INFINITY;
    const waitedSinceAcknowledged = (at: number) => Math.max(0, at - acknowledgedAt);
    let stopShort = false;
    let shortSeen = 1;
    let shortDetected: () => void = () => {};
    const shortPoller = (async () => {
      while (!stopShort) {
        shortRequests++;
        const body = await readJobStatus(options.url, options.apiKey, id);
        if (body.version !== shortSeen) {
          shortSeen = body.version;
          shortLatencies.push(waitedSinceAcknowledged(Date.now()));
          shortDetected();
        }
        await new Promise((resolve) => setTimeout(resolve, SHORT_POLL_INTERVAL_MS));
      }
    })();

    for (let change = 0; change < changes; change++) {
      // A random phase against the short poller, so its latency is not locked to its interval.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * SHORT_POLL_INTERVAL_MS));
      const polls = Array.from({ length: waiters }, () =>
        readJobStatus(options.url, options.apiKey, id, `mode=long&timeout=20000&since=${version}`).then(() =>
          Date.now(),
        ),
      );
      while ((await registered(id)) < waiters) await new Promise((resolve) => setTimeout(resolve, 5));
      const detectedByShortPoller = new Promise<void>((resolve) => (shortDetected = resolve));
      acknowledgedAt = Number.POSITIVE_INFINITY;
      const status = version % 2 === 1 ? 'processing' : 'pending';
      if (via === 'table') {
        await writeToTable(id, version, status);
        acknowledgedAt = Date.now();
      } else {
        const put = await fetch(url(`/jobs/${id}`), { method: 'PUT', headers, body: JSON.stringify({ status }) });
        acknowledgedAt = Date.now();
        await put.arrayBuffer();
      }
      version++;
      for (const answeredAt of await Promise.all(polls)) longLatencies.push(waitedSinceAcknowledged(answeredAt));
      // The next change waits until the short poller has seen this one, so both see every change.
      await detectedByShortPoller;
    }
    stopShort = true;
    await shortPoller;
    return shortRequests;
  }

  const rows: WakeRow[] = [];
  const shortAll: number[] = [];
  let shortRequestsAll = 0;
  for (const waiters of options.waiterCounts ?? [1, 10, 50]) {
    const jobs = Math.max(
      1,
      Math.floor((options.maxConcurrentWaiters ?? DEFAULT_MAX_CONCURRENT_WAITERS) / waiters / 5),
    );
    const perJob = Math.ceil(options.changes / jobs);
    const longLatencies: number[] = [];
    const shortLatencies: number[] = [];
    options.log?.(`Long polling with ${waiters} waiter(s) per job: ${jobs} job(s) × ${perJob} changes…`);
    const shortRequests = await Promise.all(
      Array.from({ length: jobs }, () => runJob(waiters, perJob, longLatencies, shortLatencies)),
    );
    rows.push({
      mode: `long poll, ${waiters} waiter${waiters === 1 ? '' : 's'}`,
      changes: jobs * perJob,
      wakeUps: longLatencies.length,
      ...latencyPercentiles(longLatencies),
      requestsPerChange: 1,
    });
    shortAll.push(...shortLatencies);
    shortRequestsAll += shortRequests.reduce((a, b) => a + b, 0);
  }
  {
    const longLatencies: number[] = [];
    const shortLatencies: number[] = [];
    options.log?.(`Long polling, stream only: 1 waiter × ${options.changes} changes written to the table…`);
    await runJob(1, options.changes, longLatencies, shortLatencies, 'table');
    rows.push({
      mode: 'long poll, 1 waiter, stream only',
      changes: options.changes,
      wakeUps: longLatencies.length,
      ...latencyPercentiles(longLatencies),
      requestsPerChange: 1,
    });
  }
  rows.push({
    mode: 'short poll every 1 s',
    changes: shortAll.length,
    wakeUps: shortAll.length,
    ...latencyPercentiles(shortAll),
    requestsPerChange: shortRequestsAll / shortAll.length,
  });
  return rows;
}
