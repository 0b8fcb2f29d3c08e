import { email } from '../../src/job-types/email';
import { createDocumentClient, createSqsClient } from '../../src/aws/aws-clients';
import { DynamoDbDueJobs } from '../../src/aws/dynamodb-due-jobs';
import { DynamoDbJobsRepository } from '../../src/aws/dynamodb-jobs-repository';
import { SqsJobQueue } from '../../src/aws/sqs-job-queue';
import type { Job } from '../../src/jobs/job';
import { rescueMarginSeconds } from '../../src/jobs/job-due';
import { builtInJobTypes } from '../support/jobs';
import type { DueJobRef, DueJobs } from '../../src/jobs/ports/due-jobs';
import type { JobQueue } from '../../src/jobs/ports/job-queue';
import { reconcileJobs } from '../../src/jobs/use-cases/reconcile-jobs';
import { submitJob } from '../../src/jobs/use-cases/submit-job';
import { localStackTableName } from '../support/aws-resources';
import { silentLog } from '../support/jobs';

const documentClient = createDocumentClient();
const sqs = createSqsClient();
let repository: DynamoDbJobsRepository;
let realQueue: SqsJobQueue;
let dueJobs: DynamoDbDueJobs;

/** The local stack's own email queue, which its consumer polls. */
function emailQueueUrl(): string {
  const queues = JSON.parse(process.env.LOCAL_STACK_QUEUES ?? '{}') as Record<string, { queueUrl: string }>;
  const url = Object.entries(queues).find(([id]) => id.startsWith('EmailJobsQueue'))?.[1].queueUrl;
  if (!url) throw new Error(`No email queue among ${Object.keys(queues).join(', ')}`);
  return url;
}

/** The failure between the job's write and its send: the process dies, the message never leaves. */
const droppingQueue: JobQueue = { enqueue: async () => {} };

/** The real index, narrowed to this test's jobs so other suites' rows in the shared table are left alone. */
function onlyJobs(ids: Set<string>, seen: DueJobRef[] = []): DueJobs {
  return {
    async dueBefore(before, limit) {
      const refs = (await dueJobs.dueBefore(before, limit)).filter((ref) => ids.has(ref.id));
      seen.push(...refs);
      return refs;
    },
  };
}

async function waitFor(id: string, status: string, timeoutMs = 20_000): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await repository.get(id);
    if (job?.status === status) return job;
    if (Date.now() > deadline) throw new Error(`Job ${id} is ${job?.status}, not ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(() => {
  const tableName = localStackTableName();
  repository = new DynamoDbJobsRepository(documentClient, tableName);
  dueJobs = new DynamoDbDueJobs(documentClient, tableName);
  realQueue = new SqsJobQueue(sqs, { email: emailQueueUrl() });
});

const submitDeps = (queue: JobQueue) => ({
  repository,
  queue,
  jobTypes: builtInJobTypes(),
  log: silentLog,
  clock: () => new Date(),
  newId: () => `reconcile-${crypto.randomUUID()}`,
});

describe('the reconciler', () => {
  test('a job whose message was lost between write and send is found through the index, re-sent, and completes', async () => {
    const lost = await submitJob(submitDeps(droppingQueue), 'email', {
      to: 'success@simulator.amazonses.com',
      subject: 'Lost',
      body: 'Hello',
    });
    const onTime = await submitJob(submitDeps(realQueue), 'email', {
      to: 'success@simulator.amazonses.com',
      subject: 'Fine',
      body: 'Hello',
    });
    await waitFor(onTime.id, 'completed');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await repository.get(lost.id))?.status).toBe('queued');

    // Nothing is stalled yet: within its margin a queued job may just be waiting for a consumer.
    const ours = new Set([lost.id, onTime.id]);
    expect(
      await reconcileJobs({
        repository,
        dueJobs: onlyJobs(ours),
        queue: realQueue,
        configs: builtInJobTypes().configs,
        log: silentLog,
        clock: () => new Date(),
      }),
    ).toEqual({ examined: 0, rescued: 0 });

    // Past the margin (the reconciler's clock runs ahead instead of the test waiting minutes).
    const later = new Date(Date.now() + (rescueMarginSeconds(email.config) + 5) * 1000);
    const seen: DueJobRef[] = [];
    const deps = {
      repository,
      dueJobs: onlyJobs(ours, seen),
      queue: realQueue,
      configs: builtInJobTypes().configs,
      log: silentLog,
      clock: () => later,
    };
    expect(await reconcileJobs(deps)).toEqual({ examined: 1, rescued: 1 });
    // The completed job has left the sparse index; only the stalled one was found.
    expect(seen).toEqual([{ id: lost.id, type: 'email' }]);

    const completed = await waitFor(lost.id, 'completed');
    expect(completed.history.map(({ status, rescue }) => [status, rescue !== undefined])).toEqual([
      ['queued', false],
      ['queued', true],
      ['processing', false],
      ['completed', false],
    ]);
    expect(completed.history[1]?.rescue).toMatch(/^queued \d+ s past due with no progress; message re-sent$/);
    expect(completed.attempts).toBe(1);

    // Finished jobs are out of the index: a second run at the same time finds nothing.
    expect(await reconcileJobs(deps)).toEqual({ examined: 0, rescued: 0 });
  });

  test('a rescue is recorded once: an overlapping second run sees the rescue and leaves the job alone', async () => {
    const lost = await submitJob(submitDeps(droppingQueue), 'email', {
      to: 'success@simulator.amazonses.com',
      subject: 'Lost twice?',
      body: 'Hello',
    });
    const later = new Date(Date.now() + (rescueMarginSeconds(email.config) + 5) * 1000);
    const sends: string[] = [];
    const countingQueue: JobQueue = {
      enqueue: async (message, delay) => {
        sends.push(message.jobId);
        await realQueue.enqueue(message, delay);
      },
    };
    const deps = {
      repository,
      dueJobs: onlyJobs(new Set([lost.id])),
      queue: countingQueue,
      configs: builtInJobTypes().configs,
      log: silentLog,
      clock: () => later,
    };
    const [first, second] = await Promise.all([reconcileJobs(deps), reconcileJobs(deps)]);
    expect(first.rescued + second.rescued).toBe(1);
    expect(sends).toEqual([lost.id]);
    await waitFor(lost.id, 'completed');
  });
});
