import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createDocumentClient, createSqsClient } from '../../src/aws/aws-clients';
import { DynamoDbJobsRepository } from '../../src/aws/dynamodb-jobs-repository';
import { SqsDeadLetterQueue } from '../../src/aws/sqs-dead-letter-queue';
import { SqsJobQueue } from '../../src/aws/sqs-job-queue';
import { recordDeadLetters } from '../../src/jobs/use-cases/record-dead-letters';
import { redriveDeadLetters } from '../../src/jobs/use-cases/redrive-dead-letters';
import { retryJob } from '../../src/jobs/use-cases/retry-job';
import { createJobsTable, createTestQueue, localStackWaitersTableName } from '../support/aws-resources';
import { aJob, builtInJobTypes, silentLog } from '../support/jobs';

const sqs = createSqsClient();
let repository: DynamoDbJobsRepository;
let source: { queueUrl: string; queueArn: string };
let dlq: { queueUrl: string; queueArn: string };
let handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
const context = {
  functionName: 'email-consumer',
  awsRequestId: 'r',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;
const deps = () => ({ repository, log: silentLog, clock: () => new Date() });

async function depth(queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
}

/** What the Lambda SQS event source does: receive a batch, invoke, delete only what succeeded. */
async function pollOnce(): Promise<void> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: source.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  if (Messages.length === 0) return;
  const event: SQSEvent = {
    Records: Messages.map((m) => ({
      messageId: m.MessageId ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
      body: m.Body ?? '',
      attributes: {} as SQSEvent['Records'][number]['attributes'],
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: source.queueArn,
      awsRegion: 'us-east-1',
    })),
  };
  const { batchItemFailures } = await handler(event, context);
  const failed = new Set(batchItemFailures.map((f) => f.itemIdentifier));
  for (const record of event.Records) {
    if (!failed.has(record.messageId)) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: source.queueUrl, ReceiptHandle: record.receiptHandle }));
    }
  }
}

beforeAll(async () => {
  const tableName = await createJobsTable();
  repository = new DynamoDbJobsRepository(createDocumentClient(), tableName);
  dlq = await createTestQueue(sqs);
  source = await createTestQueue(sqs, {
    VisibilityTimeout: '1',
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: 2 }),
  });
  Object.assign(process.env, {
    JOB_TYPE: 'email',
    JOB_QUEUE_URL: source.queueUrl,
    JOBS_TABLE_NAME: tableName,
    JOBS_LISTING_SHARDS: '8',
    JOBS_DUE_SHARDS: '16',
    WAITERS_TABLE_NAME: localStackWaitersTableName(),
    JOB_TYPE_CONFIGS: JSON.stringify(builtInJobTypes().configs),
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  ({ handler } = await import('../../lambdas/consumers/job-consumer'));
});

describe('dead letters', () => {
  const job = aJob('email');

  test('an unparseable message reaches the DLQ, and its known job is marked failed and dead-lettered', async () => {
    await repository.create(job);
    // Readable enough to name its job, not enough to process: the type is unknown.
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: source.queueUrl,
        MessageBody: JSON.stringify({ jobId: job.id, type: 'fax' }),
      }),
    );
    await sqs.send(new SendMessageCommand({ QueueUrl: source.queueUrl, MessageBody: '%%% not json' }));

    const deadline = Date.now() + 20_000;
    while ((await depth(dlq.queueUrl)) < 2 && Date.now() < deadline) await pollOnce();
    expect(await depth(dlq.queueUrl)).toBe(2);
    expect(await depth(source.queueUrl)).toBe(0);
    expect((await repository.get(job.id))?.status).toBe('queued');

    expect(await recordDeadLetters(deps(), new SqsDeadLetterQueue(sqs, dlq.queueUrl))).toEqual({
      seen: 2,
      recorded: 1,
      discarded: 0,
    });
    expect(await repository.get(job.id)).toMatchObject({
      status: 'failed',
      deadLettered: true,
      error: { kind: 'dead-lettered' },
    });
    // The recorder leaves dead letters where they are, visible for redrive.
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq.queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    expect(Attributes?.ApproximateNumberOfMessages).toBe('2');

    // A second run finds nothing new to record.
    expect(await recordDeadLetters(deps(), new SqsDeadLetterQueue(sqs, dlq.queueUrl))).toEqual({
      seen: 2,
      recorded: 0,
      discarded: 0,
    });
  });

  test('redrive brings the dead-lettered job back to completed with fresh attempts, and leaves unreadable letters', async () => {
    const result = await redriveDeadLetters(
      {
        ...deps(),
        queue: new SqsJobQueue(sqs, { email: source.queueUrl, sms: source.queueUrl, cleanup: source.queueUrl }),
      },
      'email',
      new SqsDeadLetterQueue(sqs, dlq.queueUrl),
    );
    expect(result).toEqual({ moved: 1, discarded: 0, skipped: 1 });
    expect(await repository.get(job.id)).toMatchObject({ status: 'queued', attempts: 0 });
    expect(await repository.get(job.id)).not.toHaveProperty('deadLettered');

    const deadline = Date.now() + 10_000;
    while ((await repository.get(job.id))?.status !== 'completed' && Date.now() < deadline) await pollOnce();
    expect(await repository.get(job.id)).toMatchObject({ status: 'completed', attempts: 1 });
    expect(await depth(dlq.queueUrl)).toBe(1);
  });

  test('a retried dead-lettered job: its old letter is discarded by the recorder, a stale message ignored, and it completes', async () => {
    const retried = aJob('email');
    await repository.create(retried);
    // Round 1's message dead-letters (its type is unreadable to the consumer), and the recorder fails the job.
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: source.queueUrl,
        MessageBody: JSON.stringify({ jobId: retried.id, type: 'fax', round: 1 }),
      }),
    );
    const deadline = Date.now() + 20_000;
    while ((await depth(source.queueUrl)) > 0 && Date.now() < deadline) await pollOnce();
    const dlqBefore = await depth(dlq.queueUrl);
    expect((await recordDeadLetters(deps(), new SqsDeadLetterQueue(sqs, dlq.queueUrl))).recorded).toBe(1);
    expect(await repository.get(retried.id)).toMatchObject({ status: 'failed', deadLettered: true, round: 1 });

    const queue = new SqsJobQueue(sqs, { email: source.queueUrl, sms: source.queueUrl, cleanup: source.queueUrl });
    await retryJob({ ...deps(), queue, jobTypes: builtInJobTypes() }, retried.id);
    // A duplicate of round 1's message, still in the queue from before the retry.
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: source.queueUrl,
        MessageBody: JSON.stringify({ jobId: retried.id, type: 'email', round: 1 }),
      }),
    );

    // The recorder runs every minute: here before the new round's message was even received.
    expect(await recordDeadLetters(deps(), new SqsDeadLetterQueue(sqs, dlq.queueUrl))).toMatchObject({
      recorded: 0,
      discarded: 1,
    });
    expect(await depth(dlq.queueUrl)).toBe(dlqBefore - 1);
    expect(await repository.get(retried.id)).toMatchObject({ status: 'queued', round: 2 });

    while ((await repository.get(retried.id))?.status !== 'completed' && Date.now() < deadline) await pollOnce();
    while ((await depth(source.queueUrl)) > 0 && Date.now() < deadline) await pollOnce();
    const completed = await repository.get(retried.id);
    expect(completed).toMatchObject({ status: 'completed', round: 2, attempts: 1 });
    expect(completed).not.toHaveProperty('deadLettered');
    // Only round 2's message ran it: the job was never failed again after its retry.
    expect(completed?.history.map((entry) => entry.status)).toEqual([
      'queued',
      'failed',
      'queued',
      'processing',
      'completed',
    ]);
    expect(await recordDeadLetters(deps(), new SqsDeadLetterQueue(sqs, dlq.queueUrl))).toMatchObject({
      recorded: 0,
      discarded: 0,
    });
    expect((await repository.get(retried.id))?.status).toBe('completed');
  });
});
