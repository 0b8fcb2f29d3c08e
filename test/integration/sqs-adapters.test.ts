import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createSqsClient } from '../../src/aws/aws-clients';
import { SqsDeadLetterQueue } from '../../src/aws/sqs-dead-letter-queue';
import { SqsJobQueue } from '../../src/aws/sqs-job-queue';
import { removeIdleInboxes, SqsInboxPool, SqsNoticeSender } from '../../src/aws/sqs-waiter-inboxes';
import { DependencyUnavailableError } from '../../src/jobs/errors/dependency-unavailable-error';
import type { JobMessage } from '../../src/jobs/ports/job-queue';
import { describeDeadLetterQueueConformance } from '../conformance/dead-letter-queue-conformance';
import { describeJobQueueConformance } from '../conformance/job-queue-conformance';
import { describeWaiterInboxesConformance } from '../conformance/waiter-inboxes-conformance';
import { createTestQueue, injectFault } from '../support/aws-resources';

const sqs = createSqsClient();

/** What a consumer receives within `waitSeconds`, deleted as a consumer would. */
async function receiveBodies(queueUrl: string, waitSeconds: number): Promise<string[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: waitSeconds, MaxNumberOfMessages: 10 }),
  );
  if (Messages.length > 0) {
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
  return Messages.map((m) => m.Body ?? '');
}

describeJobQueueConformance('SqsJobQueue against fauxqs', async () => {
  const urls = { email: (await createTestQueue(sqs)).queueUrl, sms: (await createTestQueue(sqs)).queueUrl };
  return {
    queue: new SqsJobQueue(sqs, urls),
    receive: async (type, waitSeconds) =>
      (await receiveBodies(urls[type], waitSeconds)).map((body) => JSON.parse(body) as JobMessage),
    elapse: (ms) => sleep(ms),
  };
});

describeDeadLetterQueueConformance('SqsDeadLetterQueue against fauxqs', async () => {
  const { queueUrl } = await createTestQueue(sqs);
  return {
    dlq: new SqsDeadLetterQueue(sqs, queueUrl),
    add: async (body) => void (await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }))),
    elapse: (ms) => sleep(ms),
  };
});

const inboxPrefix = `test-inbox-${randomUUID().slice(0, 8)}-`;
describeWaiterInboxesConformance('SqsInboxPool and SqsNoticeSender against fauxqs', async () => ({
  pool: new SqsInboxPool(sqs, { prefix: inboxPrefix }),
  sender: new SqsNoticeSender(sqs),
  remove: async (url) => void (await sqs.send(new DeleteQueueCommand({ QueueUrl: url }))),
}));
afterAll(() => removeIdleInboxes(sqs, inboxPrefix, 0, Date.now() + 60_000));

describe('SqsJobQueue under throttling', () => {
  test('a throttled send becomes DependencyUnavailableError', async () => {
    const throttled = new SQSClient({ useQueueUrlAsEndpoint: false, maxAttempts: 1 });
    injectFault(throttled, 'SendMessageCommand', { name: 'RequestThrottled', message: 'Throttled' });
    const queue = new SqsJobQueue(throttled, { email: 'x', sms: 'x', cleanup: 'x' });
    await expect(queue.enqueue({ jobId: 'job-3', type: 'cleanup', round: 1 }, 0)).rejects.toBeInstanceOf(
      DependencyUnavailableError,
    );
  });
});
