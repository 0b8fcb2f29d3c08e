import { randomUUID } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDocumentClient } from '../../src/aws/aws-clients';
import { DynamoDbJobsRepository } from '../../src/aws/dynamodb-jobs-repository';
import { SqsJobQueue } from '../../src/aws/sqs-job-queue';
import { DependencyUnavailableError } from '../../src/jobs/errors/dependency-unavailable-error';
import { JobAlreadyExistsError } from '../../src/jobs/errors/job-already-exists-error';
import { ValidationError } from '../../src/jobs/errors/validation-error';
import { submitJob, type SubmitJobDeps } from '../../src/jobs/use-cases/submit-job';
import { createJobsTable, createTestQueue, injectFault } from '../support/aws-resources';
import { builtInJobTypes, silentLog } from '../support/jobs';

let repository: DynamoDbJobsRepository;
let queueUrl: string;

beforeAll(async () => {
  repository = new DynamoDbJobsRepository(createDocumentClient(), await createJobsTable());
  ({ queueUrl } = await createTestQueue());
});

function depsWith(sqs: SQSClient, ids: string[]): SubmitJobDeps {
  return {
    repository,
    queue: new SqsJobQueue(sqs, { email: queueUrl, sms: queueUrl, cleanup: queueUrl }),
    jobTypes: builtInJobTypes(),
    log: silentLog,
    clock: () => new Date(),
    newId: () => {
      const id = randomUUID();
      ids.push(id);
      return id;
    },
  };
}

describe('submitJob against DynamoDB Local and fauxqs', () => {
  test('a throttled send after the write leaves the job failed, never queued without a message', async () => {
    const sqs = new SQSClient({ useQueueUrlAsEndpoint: false, maxAttempts: 1 });
    injectFault(sqs, 'SendMessageCommand');
    const ids: string[] = [];
    await expect(submitJob(depsWith(sqs, ids), 'sms', { phone: '+14155550123', message: 'hi' })).rejects.toBeInstanceOf(
      DependencyUnavailableError,
    );
    const stored = await repository.get(ids[0] ?? '');
    expect(stored).toMatchObject({ status: 'failed', error: { kind: 'enqueue' } });
  });

  test('a submit run again under its Idempotency-Key (its first answer lost) gets the job it created, never a second one', async () => {
    const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
    const ids: string[] = [];
    const idempotencyKey = randomUUID();
    const body = { to: 'ada@example.com', subject: 'Hi', body: 'Hello' };
    const first = await submitJob(depsWith(sqs, ids), 'email', body, { idempotencyKey });
    const again = await submitJob(depsWith(sqs, ids), 'email', body, { idempotencyKey });
    expect(again).toEqual(first);
    expect(ids).toEqual([]);
    // Another request under the same key is a conflict, never a second job.
    await expect(
      submitJob(depsWith(sqs, ids), 'email', { ...body, to: 'bob@example.com' }, { idempotencyKey }),
    ).rejects.toBeInstanceOf(JobAlreadyExistsError);
    await expect(
      submitJob(depsWith(sqs, ids), 'sms', { phone: '+14155550123', message: 'hi' }, { idempotencyKey }),
    ).rejects.toBeInstanceOf(JobAlreadyExistsError);
  });

  test('a submit whose send failed, retried under its key, makes a job that runs', async () => {
    const failing = new SQSClient({ useQueueUrlAsEndpoint: false, maxAttempts: 1 });
    injectFault(failing, 'SendMessageCommand');
    const ids: string[] = [];
    const idempotencyKey = randomUUID();
    const body = { phone: '+14155550123', message: 'hi' };
    await expect(submitJob(depsWith(failing, ids), 'sms', body, { idempotencyKey })).rejects.toBeInstanceOf(
      DependencyUnavailableError,
    );
    const retried = await submitJob(depsWith(new SQSClient({ useQueueUrlAsEndpoint: false }), ids), 'sms', body, {
      idempotencyKey,
    });
    expect(await repository.get(retried.id)).toMatchObject({ status: 'queued' });
    expect(ids).toEqual([retried.id]);
  });

  test('an invalid submission writes nothing', async () => {
    const ids: string[] = [];
    await expect(
      submitJob(depsWith(new SQSClient({ useQueueUrlAsEndpoint: false }), ids), 'email', { to: 'nobody' }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(ids).toEqual([]);
  });

  test('a job with a delay is stored delayed with its runAt', async () => {
    const ids: string[] = [];
    const job = await submitJob(depsWith(new SQSClient({ useQueueUrlAsEndpoint: false }), ids), 'cleanup', {
      task: 'remove_old_logs',
      delay: 60_000,
    });
    expect(await repository.get(job.id)).toMatchObject({ status: 'delayed', runAt: job.runAt, version: 1 });
  });
});
