import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, createSqsClient } from '../../src/aws/aws-clients';
import { DynamoDbJobsRepository } from '../../src/aws/dynamodb-jobs-repository';
import { SqsDeadLetterQueue } from '../../src/aws/sqs-dead-letter-queue';
import { SqsJobQueue } from '../../src/aws/sqs-job-queue';
import type { Job } from '../../src/jobs/job';
import { transition } from '../../src/jobs/job-state-machine';
import type { JobsRepository } from '../../src/jobs/ports/jobs-repository';
import { DEFAULT_CONFLICT_ROUNDS } from '../../src/jobs/retry-on-conflict';
import { redriveDeadLetters } from '../../src/jobs/use-cases/redrive-dead-letters';
import { createJobsTable, createTestQueue } from '../support/aws-resources';
import { aJob, silentLog } from '../support/jobs';

const sqs = createSqsClient();
const documentClient = createDocumentClient();
let tableName: string;
let repository: DynamoDbJobsRepository;

/**
 * The real repository, except that before each of its first `losses` saves a rival writer bumps
 * the stored job's version: DynamoDB itself then refuses the save, exactly as when another
 * writer wins the race.
 */
function racingRepository(losses: number): JobsRepository & { rivalWrites: number } {
  return {
    rivalWrites: 0,
    create: (job) => repository.create(job),
    get: (id) => repository.get(id),
    follow: (id, until) => repository.follow(id, until),
    claimFirstAttempt: (claim) => repository.claimFirstAttempt(claim),
    async save(previous: Job, next: Job) {
      return (await this.saveObserved(previous, next)).job;
    },
    async saveObserved(previous: Job, next: Job) {
      if (this.rivalWrites < losses) {
        this.rivalWrites++;
        await documentClient.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { id: previous.id },
            UpdateExpression: 'SET #version = #version + :one',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':one': 1 },
          }),
        );
      }
      return repository.saveObserved(previous, next);
    },
  };
}

async function visibleDepth(queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
}

async function deadLetteredJob(): Promise<{ job: Job; dlqUrl: string; queueUrl: string }> {
  const queued = aJob('email');
  await repository.create(queued);
  const claimed = await repository.save(queued, transition(queued, 'processing', new Date(), { attempts: 1 }));
  await repository.save(
    claimed,
    transition(claimed, 'failed', new Date(), {
      deadLettered: true,
      error: { kind: 'dead-lettered', message: 'The message reached the dead-letter queue' },
    }),
  );
  const dlq = await createTestQueue(sqs);
  const queue = await createTestQueue(sqs);
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: dlq.queueUrl,
      MessageBody: JSON.stringify({ jobId: queued.id, type: 'email' }),
    }),
  );
  return { job: queued, dlqUrl: dlq.queueUrl, queueUrl: queue.queueUrl };
}

function redrive(repo: JobsRepository, queueUrl: string, dlqUrl: string) {
  return redriveDeadLetters(
    {
      repository: repo,
      queue: new SqsJobQueue(sqs, { email: queueUrl }),
      log: silentLog,
      clock: () => new Date(),
    },
    'email',
    new SqsDeadLetterQueue(sqs, dlqUrl),
  );
}

beforeAll(async () => {
  tableName = await createJobsTable();
  repository = new DynamoDbJobsRepository(documentClient, tableName);
});

describe('redrive under contention', () => {
  test('a reset that loses every race keeps the dead letter, sends nothing and leaves the job failed', async () => {
    const { job, dlqUrl, queueUrl } = await deadLetteredJob();
    const racing = racingRepository(Number.POSITIVE_INFINITY);

    const result = await redrive(racing, queueUrl, dlqUrl);

    expect(result).toEqual({ moved: 0, discarded: 0, skipped: 1 });
    expect(racing.rivalWrites).toBe(DEFAULT_CONFLICT_ROUNDS);
    expect(await visibleDepth(dlqUrl)).toBe(1);
    expect(await visibleDepth(queueUrl)).toBe(0);
    expect(await repository.get(job.id)).toMatchObject({ status: 'failed', deadLettered: true });

    // Once the rival stops, a later redrive moves the very same letter.
    const later = await redrive(repository, queueUrl, dlqUrl);
    expect(later).toEqual({ moved: 1, discarded: 0, skipped: 0 });
    expect(await visibleDepth(dlqUrl)).toBe(0);
    expect(await visibleDepth(queueUrl)).toBe(1);
    expect(await repository.get(job.id)).toMatchObject({ status: 'queued', attempts: 0 });
  });

  test('a reset that loses some races but wins within the bound moves the letter', async () => {
    const { job, dlqUrl, queueUrl } = await deadLetteredJob();
    const racing = racingRepository(DEFAULT_CONFLICT_ROUNDS - 1);

    expect(await redrive(racing, queueUrl, dlqUrl)).toEqual({ moved: 1, discarded: 0, skipped: 0 });
    expect(await visibleDepth(dlqUrl)).toBe(0);
    expect(await visibleDepth(queueUrl)).toBe(1);
    expect(await repository.get(job.id)).toMatchObject({ status: 'queued', attempts: 0 });
  });
});
