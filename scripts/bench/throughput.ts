/**
 * End to end: N zero-work email jobs submitted over HTTP by C concurrent clients, until all are
 * completed. The end is the last job's completion time as the worker recorded it (updatedAt), so
 * how often we look does not change the figure.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { queueDepth, readJobStatus, readJobs, submitEmailJob, type SubmittedJob } from './jobs-api';

export interface ThroughputResult {
  jobs: number;
  clients: number;
  jobsPerSecond: number;
  /** Submits answered with something else than 202 (those jobs do not count). */
  refused: number;
  /** Submit request sent → job completed (worker's timestamp), per job. */
  submitToCompletedMs: number[];
  /** One completed job id, whose stored item sizes the floor's items. */
  sampleJobId: string;
}

export async function measureThroughput(options: {
  url: string;
  apiKey: string;
  jobs: number;
  clients: number;
  documentClient: DynamoDBDocumentClient;
  sqs: SQSClient;
  jobsTable: string;
  queueUrl: string;
}): Promise<ThroughputResult> {
  const submitted: SubmittedJob[] = [];
  const refusals: string[] = [];
  let next = 0;
  const startedAt = Date.now();
  await Promise.all(
    Array.from({ length: options.clients }, async () => {
      while (next < options.jobs) {
        next++;
        // A refused submit (e.g. a 502 when a function times out on an overloaded machine) is counted, not fatal.
        const job = await submitEmailJob(options.url, options.apiKey).catch((error: Error) => {
          refusals.push(error.message);
          return undefined;
        });
        if (job) submitted.push(job);
      }
    }),
  );
  const deadline = Date.now() + 300_000;
  let pending = submitted.map((job) => job.id);
  const completedAt = new Map<string, number>();
  while (pending.length) {
    if (Date.now() > deadline) throw new Error(`${pending.length} jobs not completed within 5 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    if ((await queueDepth(options.sqs, options.queueUrl)) > 0) continue;
    for (const job of await readJobs(options.documentClient, options.jobsTable, pending)) {
      if (job.status === 'completed') completedAt.set(job.id, Date.parse(job.updatedAt));
      else if (job.status === 'failed' || job.status === 'cancelled')
        throw new Error(`job ${job.id} ended ${job.status}`);
    }
    pending = pending.filter((id) => !completedAt.has(id));
  }
  const lastCompletion = Math.max(...completedAt.values());
  return {
    jobs: options.jobs,
    clients: options.clients,
    jobsPerSecond: submitted.length / ((lastCompletion - startedAt) / 1000),
    refused: refusals.length,
    submitToCompletedMs: submitted.map((job) => completedAt.get(job.id)! - job.submittedAt),
    sampleJobId: submitted[0]!.id,
  };
}

/** One job at a time: submit, long-poll until completed; latency from the submit request to the worker's completion. */
export async function measureUnloadedSubmitToCompleted(options: {
  url: string;
  apiKey: string;
  jobs: number;
}): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < options.jobs; i++) {
    const job = await submitEmailJob(options.url, options.apiKey);
    let since = job.version;
    for (;;) {
      const status = await readJobStatus(options.url, options.apiKey, job.id, `mode=long&timeout=20000&since=${since}`);
      if (status.status === 'completed') {
        latencies.push(Date.parse(status.updatedAt) - job.submittedAt);
        break;
      }
      since = status.version;
    }
  }
  return latencies;
}
