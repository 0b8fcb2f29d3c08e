import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createDocumentClient, createSqsClient } from '../../src/aws/aws-clients';
import { DynamoDbJobsRepository } from '../../src/aws/dynamodb-jobs-repository';
import { createJobsTable, createTestQueue, localStackWaitersTableName } from '../support/aws-resources';
import { aJob, builtInJobTypes } from '../support/jobs';

const sqs = createSqsClient();

/** A real SQS batch: messages sent to and received from fauxqs, so receipt handles are genuine. */
async function receiveBatch(queueUrl: string, queueArn: string, count: number): Promise<SQSEvent> {
  const records: SQSEvent['Records'] = [];
  while (records.length < count) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    for (const message of Messages) {
      records.push({
        messageId: message.MessageId ?? '',
        receiptHandle: message.ReceiptHandle ?? '',
        body: message.Body ?? '',
        attributes: message.Attributes as unknown as SQSEvent['Records'][number]['attributes'],
        messageAttributes: {},
        md5OfBody: message.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: queueArn,
        awsRegion: process.env.AWS_REGION ?? 'us-east-1',
      });
    }
  }
  return { Records: records };
}

const context = {
  functionName: 'email-consumer',
  awsRequestId: 'test-request',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

describe('the consumer handler on a real SQS batch', () => {
  let handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
  let repository: DynamoDbJobsRepository;
  let queueUrl: string;
  let queueArn: string;

  beforeAll(async () => {
    const tableName = await createJobsTable();
    ({ queueUrl, queueArn } = await createTestQueue(sqs));
    repository = new DynamoDbJobsRepository(createDocumentClient(), tableName);
    // The handler reads its configuration once at cold start, as in Lambda.
    Object.assign(process.env, {
      JOB_TYPE: 'email',
      JOB_QUEUE_URL: queueUrl,
      JOBS_TABLE_NAME: tableName,
      JOBS_LISTING_SHARDS: '8',
      JOBS_DUE_SHARDS: '16',
      WAITERS_TABLE_NAME: localStackWaitersTableName(),
      JOB_TYPE_CONFIGS: JSON.stringify(builtInJobTypes().configs),
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    ({ handler } = await import('../../lambdas/consumers/job-consumer'));
  });

  test('one poisoned record is the only one reported failed; the others complete', async () => {
    const jobs = [aJob('email'), aJob('email')];
    for (const job of jobs) {
      await repository.create(job);
      await sqs.send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ jobId: job.id, type: 'email' }) }),
      );
    }
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'this is not a job message' }));
    const event = await receiveBatch(queueUrl, queueArn, 3);
    const poisoned = event.Records.find((r) => r.body.startsWith('this is not'));

    const response = await handler(event, context);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: poisoned?.messageId }]);
    for (const job of jobs) {
      expect(await repository.get(job.id)).toMatchObject({ status: 'completed', attempts: 1, version: 3 });
    }
  });

  test('a message whose job is already completed is acknowledged without running again', async () => {
    const job = aJob('email');
    await repository.create(job);
    await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ jobId: job.id, type: 'email' }) }),
    );
    expect((await handler(await receiveBatch(queueUrl, queueArn, 1), context)).batchItemFailures).toEqual([]);
    const completed = await repository.get(job.id);

    await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ jobId: job.id, type: 'email' }) }),
    );
    expect((await handler(await receiveBatch(queueUrl, queueArn, 1), context)).batchItemFailures).toEqual([]);
    expect(await repository.get(job.id)).toEqual(completed);
  });
});
