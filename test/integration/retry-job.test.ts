import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createDocumentClient, createSqsClient } from '../../src/aws/aws-clients';
import { DynamoDbJobsRepository } from '../../src/aws/dynamodb-jobs-repository';
import { SqsJobQueue } from '../../src/aws/sqs-job-queue';
import { DependencyUnavailableError } from '../../src/jobs/errors/dependency-unavailable-error';
import { IllegalTransitionError } from '../../src/jobs/errors/illegal-transition-error';
import { JobNotFoundError } from '../../src/jobs/errors/job-not-found-error';
import type { Job } from '../../src/jobs/job';
import { transition } from '../../src/jobs/job-state-machine';
import { retryJob, type RetryJobDeps } from '../../src/jobs/use-cases/retry-job';
import { createJobsTable, createTestQueue, injectFault } from '../support/aws-resources';
import { aJob, builtInJobTypes, silentLog } from '../support/jobs';

let repository: DynamoDbJobsRepository;
let queueUrl: string;
const sqs = createSqsClient();

beforeAll(async () => {
  repository = new DynamoDbJobsRepository(createDocumentClient(), await createJobsTable());
  ({ queueUrl } = await createTestQueue(sqs));
});

const depsWith = (client: SQSClient = sqs): RetryJobDeps => ({
  repository,
  queue: new SqsJobQueue(client, { email: queueUrl, sms: queueUrl, cleanup: queueUrl }),
  jobTypes: builtInJobTypes(),
  log: silentLog,
  clock: () => new Date(),
});

/** A stored job that ran `attempts` times and failed, dead-lettered or not. */
async function aFailedJob(deadLettered = false): Promise<Job> {
  const queued = aJob('email', { maxAttempts: 2 });
  await repository.create(queued);
  const now = new Date();
  const processing = await repository.save(queued, transition(queued, 'processing', now, { attempts: 2 }));
  return repository.save(
    processing,
    transition(processing, 'failed', now, {
      error: { kind: deadLettered ? 'dead-lettered' : 'transient', message: 'boom' },
      ...(deadLettered ? { deadLettered: true } : {}),
    }),
  );
}

async function messagesFor(jobId: string): Promise<number> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  return Messages.filter((message) => message.Body?.includes(jobId)).length;
}

describe('retrying a failed job', () => {
  test.each([false, true])(
    'a failed job (dead-lettered: %p) is queued with fresh attempts, its error cleared, recorded, and enqueued',
    async (deadLettered) => {
      const failed = await aFailedJob(deadLettered);
      const retried = await retryJob(depsWith(), failed.id);
      expect(retried).toMatchObject({ status: 'queued', attempts: 0, maxAttempts: 5, version: failed.version + 1 });
      expect(retried).not.toHaveProperty('error');
      expect(retried).not.toHaveProperty('deadLettered');
      expect(await repository.get(failed.id)).toEqual(retried);
      expect(retried.history.map((entry) => entry.status)).toEqual(['queued', 'processing', 'failed', 'queued']);
      expect(await messagesFor(failed.id)).toBe(1);
    },
  );

  test('two retries at once: exactly one wins, the other is refused as the job is no longer failed', async () => {
    const failed = await aFailedJob();
    const outcomes = await Promise.allSettled([retryJob(depsWith(), failed.id), retryJob(depsWith(), failed.id)]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    const [refused] = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect((refused as PromiseRejectedResult).reason).toBeInstanceOf(IllegalTransitionError);
    expect((await repository.get(failed.id))?.version).toBe(failed.version + 1);
  });

  test.each(['queued', 'completed', 'cancelled'] as const)(
    'a %s job is refused (409) and left as it is',
    async (to) => {
      const queued = aJob('sms');
      await repository.create(queued);
      const job =
        to === 'queued'
          ? queued
          : to === 'cancelled'
            ? await repository.save(queued, transition(queued, 'cancelled', new Date()))
            : await (async () => {
                const running = await repository.save(
                  queued,
                  transition(queued, 'processing', new Date(), { attempts: 1 }),
                );
                return repository.save(running, transition(running, 'completed', new Date(), { result: {} }));
              })();
      await expect(retryJob(depsWith(), job.id)).rejects.toBeInstanceOf(IllegalTransitionError);
      expect(await repository.get(job.id)).toEqual(job);
    },
  );

  test('an unknown job is a 404', async () => {
    await expect(retryJob(depsWith(), 'no-such-job')).rejects.toBeInstanceOf(JobNotFoundError);
  });

  test('a failed external job is refused: its system reports its outcome', async () => {
    const external = { ...aJob('email'), type: 'external', status: 'failed' as const };
    await repository.create(external);
    await expect(retryJob(depsWith(), external.id)).rejects.toBeInstanceOf(IllegalTransitionError);
  });

  test('when the send fails, the job is failed again with an enqueue error, never queued without a message', async () => {
    const failed = await aFailedJob();
    const client = new SQSClient({ useQueueUrlAsEndpoint: false, maxAttempts: 1 });
    injectFault(client, 'SendMessageCommand');
    await expect(retryJob(depsWith(client), failed.id)).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(await repository.get(failed.id)).toMatchObject({ status: 'failed', error: { kind: 'enqueue' } });
  });
});
