/** What the benchmarks need of the stack's public HTTP API and tables: submit an email job, read jobs back. */
import { BatchGetCommand, type BatchGetCommandOutput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { queueMessageCounts } from '../../src/aws/sqs-queue-depths';
import type { LocalStackReady } from './local-stack-child';
import { JOBS_TABLE_SHARD_VARIABLES } from '../../lambdas/commons/environment';

/** A zero-work email job: the simulated sender delivers it at once. */
export const ZERO_WORK_EMAIL = JSON.stringify({ to: 'bench@example.com', subject: 'Benchmark', body: 'zero work' });

export interface SubmittedJob {
  id: string;
  version: number;
  /** Date.now() when the request was sent. */
  submittedAt: number;
}

export async function submitEmailJob(url: string, apiKey: string): Promise<SubmittedJob> {
  const submittedAt = Date.now();
  const response = await fetch(`${url}/jobs/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    body: ZERO_WORK_EMAIL,
  });
  const body = (await response.json()) as { id?: string; version?: number };
  if (response.status !== 202 || !body.id)
    throw new Error(`submit answered ${response.status}: ${JSON.stringify(body)}`);
  return { id: body.id, version: body.version ?? 1, submittedAt };
}

export interface JobStatusAnswer {
  status: string;
  version: number;
  updatedAt: string;
}

/**
 * `GET /jobs/{id}/status` with the bench's token (`query` is e.g. `mode=long&timeout=20000&since=3`).
 * Anything but 200 throws: a poll loop must never spin on an error answer.
 */
export async function readJobStatus(url: string, apiKey: string, id: string, query = ''): Promise<JobStatusAnswer> {
  const response = await fetch(`${url}/jobs/${id}/status${query ? `?${query}` : ''}`, {
    headers: { 'x-api-key': apiKey },
  });
  const body = (await response.json()) as JobStatusAnswer;
  if (response.status !== 200) throw new Error(`status of ${id} answered ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

/** The table, queue and key names, by the logical-id prefixes the stack's constructs give them. */
export function findResources(ready: LocalStackReady): {
  jobsTable: string;
  waitersTable: string;
  emailQueueUrl: string;
  /** The listing indexes' shard count, as the template tells the functions that touch jobs. */
  listingShards: number;
} {
  const table = (prefix: string) => {
    const found = Object.entries(ready.tables).find(([id]) => id.startsWith(prefix))?.[1].tableName;
    if (!found) throw new Error(`no table ${prefix}* in ${Object.keys(ready.tables).join(', ')}`);
    return found;
  };
  const emailQueueUrl = Object.entries(ready.queues).find(
    ([id]) => id.startsWith('Email') && !id.includes('DeadLetter'),
  )?.[1].queueUrl;
  if (!emailQueueUrl) throw new Error(`no email queue in ${Object.keys(ready.queues).join(', ')}`);
  const listingShards = Object.values(ready.functions).find((fn) => fn.environment[JOBS_TABLE_SHARD_VARIABLES.listing])
    ?.environment[JOBS_TABLE_SHARD_VARIABLES.listing];
  if (!listingShards) throw new Error(`no function has ${JOBS_TABLE_SHARD_VARIABLES.listing}`);
  return {
    jobsTable: table('JobsTable'),
    waitersTable: table('LongPollWaitersTable'),
    emailQueueUrl,
    listingShards: Number(listingShards),
  };
}

export interface StoredJob {
  id: string;
  status: string;
  updatedAt: string;
  createdAt: string;
}

/** Reads many jobs by id (100 per BatchGetItem, unprocessed keys retried). */
export async function readJobs(
  documentClient: DynamoDBDocumentClient,
  table: string,
  ids: string[],
): Promise<StoredJob[]> {
  const jobs: StoredJob[] = [];
  for (let i = 0; i < ids.length; i += 100) {
    let keys: Record<string, unknown>[] | undefined = ids.slice(i, i + 100).map((id) => ({ id }));
    while (keys?.length) {
      const answer: BatchGetCommandOutput = await documentClient.send(
        new BatchGetCommand({
          RequestItems: {
            [table]: {
              Keys: keys,
              ProjectionExpression: 'id, #s, updatedAt, createdAt',
              ExpressionAttributeNames: { '#s': 'status' },
            },
          },
        }),
      );
      jobs.push(...((answer.Responses?.[table] ?? []) as StoredJob[]));
      keys = answer.UnprocessedKeys?.[table]?.Keys;
    }
  }
  return jobs;
}

/** Messages still in the queue (visible, in flight or delayed). */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const counts = await queueMessageCounts(sqs, queueUrl);
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

/** Resolves once the queue has been empty (and stayed so for one more look). */
export async function waitForEmptyQueue(sqs: SQSClient, queueUrl: string, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let emptyLooks = 0;
  while (emptyLooks < 2) {
    if (Date.now() > deadline) throw new Error(`queue ${queueUrl} not drained within ${timeoutMs} ms`);
    emptyLooks = (await queueDepth(sqs, queueUrl)) === 0 ? emptyLooks + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
