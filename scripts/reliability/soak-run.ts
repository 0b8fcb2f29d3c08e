/**
 * The soak run: many long polls (GET /jobs/{id}/status?mode=long) with mixed timeouts, a fifth
 * of them aborted by the client mid-wait, some woken by a change (a cancel) of the job they watch.
 * Afterwards nothing a poll took may be left behind: no waiter registration in the waiters table,
 * no notice stuck in an inbox, no more inbox queues than one per execution environment of the
 * status function plus one per aborted poll (see maxInboxes; never one per poll), and the stack
 * process's resident memory after a full GC within 10 % of what it was after a warm-up of the
 * same shape.
 */
import { ListQueuesCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { INBOX_RETENTION_SECONDS } from '../../src/aws/sqs-waiter-inboxes';
import { forEachConcurrently, send, sendRetrying } from './http';

export interface SoakRunOptions {
  url: string;
  apiKey: string;
  polls: number;
  /** Polls in flight at once. */
  clients: number;
  /** Polls of the warm-up before the baseline is taken. */
  warmupPolls: number;
  documentClient: DynamoDBDocumentClient;
  sqs: SQSClient;
  waitersTable: string;
  /** The status function's INBOX_QUEUE_PREFIX. */
  inboxPrefix: string;
  /** The stack process's memoryUsage() after a full GC. */
  memory: () => Promise<{ rss: number; heapUsed: number }>;
  /** The status function's environments started so far (cold starts), if known. */
  statusEnvironments?: () => Promise<number | undefined>;
  log?: (line: string) => void;
}

export interface SoakReport {
  polls: number;
  aborted: number;
  woken: number;
  timedOut: number;
  /** Answers other than 200 (and aborted polls), by status. */
  otherAnswers: Record<string, number>;
  waiterRegistrationsLeft: number;
  inboxQueues: number;
  /**
   * Notices in the inboxes that no receive took, once every registration is gone, after waiting
   * out the inboxes' retention (INBOX_RETENTION_SECONDS) if any were there: a notice left for good.
   */
  inboxMessagesLeft: number;
  /**
   * Notices found right after the registrations were gone, before that wait: late ones, sent to a
   * waiter whose poll had just ended (its environment's next receive drops them, and the inbox's
   * retention removes them otherwise).
   */
  lateNotices: number;
  /**
   * Notices received by their polls, hidden in flight until the inbox's retention deletes them
   * (a waiter never deletes what it received: SqsWaiterInbox).
   */
  takenNotices: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  rssGrowthPercent: number;
  heapBeforeBytes: number;
  heapAfterBytes: number;
  durationMs: number;
}

interface Watched {
  id: string;
  version: number;
}

/** Mixed: mostly 1–3 s, some at the clamp's floor and a few longer. */
const TIMEOUTS_MS = [1_000, 1_000, 1_500, 2_000, 2_000, 3_000, 5_000];

export async function runSoak(options: SoakRunOptions): Promise<SoakReport> {
  const log = options.log ?? (() => {});
  const headers = { 'x-api-key': options.apiKey, 'content-type': 'application/json' };
  const counters = { retries: 0 };
  // Jobs that stay put (due in an hour) so polls hold; some are cancelled mid-run to wake their waiters.
  const createWatched = async (): Promise<Watched> => {
    const answer = await sendRetrying(
      `${options.url}/jobs/email`,
      {
        method: 'POST',
        headers,
        body: JSON.stringify({ to: 'soak@example.com', subject: 'Soak', body: 'watched', delay: 3_600_000 }),
      },
      counters,
    );
    const job = answer.json as { id?: string; version?: number };
    if (answer.status !== 202 || !job.id) throw new Error(`soak: submit answered ${answer.status} ${answer.text}`);
    return { id: job.id, version: job.version ?? 1 };
  };
  const watched: Watched[] = [];
  for (let i = 0; i < Math.min(40, Math.max(4, Math.ceil(options.polls / 250))); i++)
    watched.push(await createWatched());

  const tally = { aborted: 0, woken: 0, timedOut: 0, other: {} as Record<string, number> };
  const poll = async (n: number) => {
    const job = watched[n % watched.length]!;
    const timeout = TIMEOUTS_MS[n % TIMEOUTS_MS.length]!;
    const abort = n % 5 === 0; // 20 %
    const controller = new AbortController();
    const timer = abort ? setTimeout(() => controller.abort(), 100 + ((n * 37) % 800)) : undefined;
    try {
      const answer = await send(
        `${options.url}/jobs/${job.id}/status?mode=long&since=${job.version}&timeout=${timeout}`,
        { headers, signal: controller.signal },
      );
      if (answer.status !== 200) tally.other[answer.status] = (tally.other[answer.status] ?? 0) + 1;
      else if ((answer.json as { changed?: boolean }).changed) {
        tally.woken++;
        job.version = (answer.json as { version: number }).version;
      } else tally.timedOut++;
    } catch (error) {
      if (controller.signal.aborted) tally.aborted++;
      else
        tally.other[`error ${(error as Error).message}`] = (tally.other[`error ${(error as Error).message}`] ?? 0) + 1;
    } finally {
      clearTimeout(timer);
    }
    // Now and then a watched job changes (cancelled) and is replaced, waking whoever waits on it:
    // the job of a poll some places ahead, which is most likely in flight now (the poll just ended
    // here has no one else on its job with more jobs than clients).
    if (n % 500 === 250) {
      const index = (n + Math.ceil(options.clients / 2)) % watched.length;
      await sendRetrying(`${options.url}/jobs/${watched[index]!.id}`, { method: 'DELETE', headers }, counters);
      watched[index] = await createWatched();
    }
  };

  const memoryNow = async () => {
    await new Promise((resolve) => setTimeout(resolve, 500));
    return options.memory();
  };

  log(`soak: warm-up of ${options.warmupPolls} polls…`);
  await forEachConcurrently(
    Array.from({ length: options.warmupPolls }, (_, i) => i),
    options.clients,
    poll,
  );
  Object.assign(tally, { aborted: 0, woken: 0, timedOut: 0, other: {} });
  const before = await memoryNow();
  const startedAt = Date.now();
  log(`soak: ${options.polls} long polls with ${options.clients} clients…`);
  let done = 0;
  await forEachConcurrently(
    Array.from({ length: options.polls }, (_, i) => i),
    options.clients,
    async (n) => {
      await poll(n);
      if (++done % 1000 === 0) log(`soak: ${done} polls done`);
    },
  );
  const durationMs = Date.now() - startedAt;

  // The longest a poll the client abandoned may still hold its registration: its timeout, plus slack.
  const deadline = Date.now() + Math.max(...TIMEOUTS_MS) + 15_000;
  let waiterRegistrationsLeft = await countWaiters(options);
  while (waiterRegistrationsLeft > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    waiterRegistrationsLeft = await countWaiters(options);
  }
  const found = await inboxState(options);
  const { inboxQueues, takenNotices } = found;
  let { inboxMessagesLeft } = found;
  const lateNotices = inboxMessagesLeft;
  if (lateNotices > 0 && waiterRegistrationsLeft === 0) {
    // Addressed to waiters that are gone; they must expire with the inboxes' retention, not stay.
    await new Promise((resolve) => setTimeout(resolve, (INBOX_RETENTION_SECONDS + 5) * 1000));
    ({ inboxMessagesLeft } = await inboxState(options));
  }
  const after = await memoryNow();
  return {
    polls: options.polls,
    aborted: tally.aborted,
    woken: tally.woken,
    timedOut: tally.timedOut,
    otherAnswers: tally.other,
    waiterRegistrationsLeft,
    inboxQueues,
    inboxMessagesLeft,
    lateNotices,
    takenNotices,
    rssBeforeBytes: before.rss,
    rssAfterBytes: after.rss,
    rssGrowthPercent: ((after.rss - before.rss) / before.rss) * 100,
    heapBeforeBytes: before.heapUsed,
    heapAfterBytes: after.heapUsed,
    durationMs,
  };
}

async function countWaiters(options: SoakRunOptions): Promise<number> {
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await options.documentClient.send(
      new ScanCommand({ TableName: options.waitersTable, Select: 'COUNT', ExclusiveStartKey: startKey }),
    );
    count += page.Count ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return count;
}

async function inboxState(
  options: SoakRunOptions,
): Promise<{ inboxQueues: number; inboxMessagesLeft: number; takenNotices: number }> {
  const urls: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await options.sqs.send(
      new ListQueuesCommand({ QueueNamePrefix: options.inboxPrefix, NextToken: nextToken, MaxResults: 1000 }),
    );
    urls.push(...(page.QueueUrls ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  let inboxMessagesLeft = 0;
  let takenNotices = 0;
  for (const url of urls) {
    const { Attributes = {} } = await options.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    inboxMessagesLeft += Number(Attributes.ApproximateNumberOfMessages ?? 0);
    takenNotices += Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
  }
  return { inboxQueues: urls.length, inboxMessagesLeft, takenNotices };
}

export function formatSoakReport(report: SoakReport): string[] {
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return [
    `long polls: ${report.polls} in ${(report.durationMs / 1000).toFixed(1)} s — ${report.timedOut} timed out unchanged, ${report.woken} woken by a change, ${report.aborted} aborted by the client${Object.keys(report.otherAnswers).length ? `, other: ${JSON.stringify(report.otherAnswers)}` : ''}`,
    `waiter registrations left: ${report.waiterRegistrationsLeft}`,
    `inbox queues: ${report.inboxQueues} (one per execution environment of the status function), notices left in them: ${report.inboxMessagesLeft}, taken and hidden until their ${INBOX_RETENTION_SECONDS} s retention ends: ${report.takenNotices}${report.lateNotices > 0 ? ` (${report.lateNotices} late notices to waiters already gone were there at first; they expired with the inboxes' ${INBOX_RETENTION_SECONDS} s retention)` : ''}`,
    `stack process RSS after GC: ${mb(report.rssBeforeBytes)} after the warm-up → ${mb(report.rssAfterBytes)} after the soak (${report.rssGrowthPercent >= 0 ? '+' : ''}${report.rssGrowthPercent.toFixed(1)} %); heap ${mb(report.heapBeforeBytes)} → ${mb(report.heapAfterBytes)}`,
  ];
}

/**
 * The most inbox queues the run may leave: one per execution environment of the status function,
 * plus one per aborted poll (an inbox whose aborted receive may still be waiting in SQS is set
 * aside, and the environment takes another).
 */
export function maxInboxes(report: SoakReport, environments: number): number {
  return environments + report.aborted;
}

/** Whether the soak left something behind. */
export function soakFailed(report: SoakReport, environments: number): boolean {
  return (
    report.waiterRegistrationsLeft > 0 ||
    report.inboxMessagesLeft > 0 ||
    report.inboxQueues > maxInboxes(report, environments) ||
    report.rssGrowthPercent >= 10
  );
}
